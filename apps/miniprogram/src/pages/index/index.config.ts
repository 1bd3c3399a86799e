export default definePageConfig({ navigationBarTitleText: '签约服务' });
