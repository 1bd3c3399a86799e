import { Text, View } from '@tarojs/components';

export default function Index() {
  return (
    <View id="bare-page">
      <Text>Hello</Text>
    </View>
  );
}
