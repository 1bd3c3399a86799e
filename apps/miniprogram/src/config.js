// Runtime overrides for the H5 build (served next to index.html). The demo/test server rewrites this file:
// window.__QIANYUE_CONFIG__ = { bffUrl: 'http://127.0.0.1:8700', sandboxUrl: 'http://127.0.0.1:8701' };
window.__QIANYUE_CONFIG__ = window.__QIANYUE_CONFIG__ || {};
