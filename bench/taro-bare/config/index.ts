import { defineConfig } from '@tarojs/cli';

/** The mini-program's Taro config, verbatim but for the name and the H5 runtime-override copy (no config.js here). */
const DEFAULT_BFF_URL = 'http://127.0.0.1:8700';
const DEFAULT_SANDBOX_URL = 'http://127.0.0.1:8701';

export default defineConfig<'webpack5'>(() => ({
  projectName: 'qianyue-taro-bare',
  date: '2025-1-1',
  designWidth: 750,
  deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
  sourceRoot: 'src',
  outputRoot: process.env.TARO_ENV === 'h5' ? 'dist-h5' : 'dist',
  plugins: [],
  env: {
    TARO_APP_BFF_URL: JSON.stringify(process.env.TARO_APP_BFF_URL || DEFAULT_BFF_URL),
    TARO_APP_SANDBOX_URL: JSON.stringify(process.env.TARO_APP_SANDBOX_URL || DEFAULT_SANDBOX_URL),
  },
  defineConstants: {},
  // H5 only: the runtime-override file (window.__QIANYUE_CONFIG__) next to index.html.
  copy: {
    patterns: [],
    options: {},
  },
  framework: 'react',
  compiler: { type: 'webpack5', prebundle: { enable: false } },
  cache: { enable: false },
  logger: { quiet: true, stats: false },
  mini: {
    postcss: {
      pxtransform: { enable: true, config: {} },
      cssModules: {
        enable: false,
        config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' },
      },
    },
  },
  h5: {
    webpackChain(chain) {
      chain.performance.hints(false);
    },
    publicPath: './',
    staticDirectory: 'static',
    router: { mode: 'hash' },
    output: { filename: 'js/[name].[contenthash:8].js', chunkFilename: 'js/[name].[contenthash:8].js' },
    miniCssExtractPluginOption: {
      ignoreOrder: true,
      filename: 'css/[name].[contenthash:8].css',
      chunkFilename: 'css/[name].[contenthash:8].css',
    },
    postcss: {
      autoprefixer: { enable: true, config: {} },
      cssModules: {
        enable: false,
        config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' },
      },
    },
  },
}));
