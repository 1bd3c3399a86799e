export default definePageConfig({ navigationBarTitleText: '我的签约' });
