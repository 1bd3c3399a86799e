import { useDidHide, useDidShow } from '@tarojs/taro';
import { type PropsWithChildren, useState } from 'react';
import { ServicesContext } from './services/context.ts';
import { createAppServices } from './services/index.ts';
import type { ShowOptions } from './services/signing.ts';
import './app.css';

function App({ children }: PropsWithChildren) {
  const [services] = useState(createAppServices);

  // Coming back from the signing mini-program: scene 1038, referrerInfo { appId, extraData }. The signing
  // flow keeps it as a hint for the page that shows next (services/signing.ts resume).
  useDidShow((options?: ShowOptions) => services.signing.appShown(options));
  useDidHide(() => services.signing.appHidden());

  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export default App;
