import { defineProject } from 'vitest/config';
export default defineProject({ test: { name: 'wechatpay', include: ['test/**/*.test.ts'] } });
