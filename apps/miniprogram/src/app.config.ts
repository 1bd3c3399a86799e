export default defineAppConfig({
  pages: ['pages/index/index', 'pages/result/index', 'pages/contracts/index'],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '签约服务',
    navigationBarTextStyle: 'black',
    backgroundColor: '#f5f6f7',
  },
  // The signing mini-programs the BFF may send the user to: edu-papay (教育续费通) and password-exempt.
  navigateToMiniProgramAppIdList: ['wx7a985467cbd06913', 'wxbd687630cd02ce1d'],
});
