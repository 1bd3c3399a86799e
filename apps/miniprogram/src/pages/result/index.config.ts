export default definePageConfig({ navigationBarTitleText: '签约结果' });
