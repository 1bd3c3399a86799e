/// <reference types="@tarojs/taro" />

declare module '*.png';
declare module '*.svg';
declare module '*.css';

declare namespace NodeJS {
  interface ProcessEnv {
    NODE_ENV: 'development' | 'production' | 'test';
    TARO_ENV: 'weapp' | 'h5' | (string & {});
    /** Mini-program appid for project.config.json (public). */
    TARO_APP_ID?: string;
    /** The BFF's base URL (public). */
    TARO_APP_BFF_URL?: string;
    /** H5 only: where the sandbox's simulated signing page lives (public). */
    TARO_APP_SANDBOX_URL?: string;
  }
}
