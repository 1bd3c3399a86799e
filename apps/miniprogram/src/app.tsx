import { useDidHide, useDidShow } from '@tarojs/taro';
import { type PropsWithChildren, useState } from 'react';
import { ServicesContext } from './services/context.ts';
import { createAppServices } from './services/index.ts';
import './app.css';

interface ShowOptions {
  scene?: number;
  referrerInfo?: { appId?: string; extraData?: unknown };
}

function App({ children }: PropsWithChildren) {
  const [services] = useState(createAppServices);

  // Coming back from the signing mini-program: scene 1038, referrerInfo { appId, extraData }. Kept only as
  // a hint for the page that handles the return (pages/index), and dropped on hide.
  useDidShow((options?: ShowOptions) => {
    const ref = options?.referrerInfo;
    services.lastShow.set({
      ...(options?.scene !== undefined ? { scene: options.scene } : {}),
      ...(ref?.appId ? { referrerAppId: ref.appId } : {}),
      ...(ref?.extraData !== undefined ? { extraData: ref.extraData } : {}),
    });
  });
  useDidHide(() => {
    services.lastShow.take();
  });

  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export default App;
