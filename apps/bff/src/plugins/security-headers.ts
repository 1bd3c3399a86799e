import fp from 'fastify-plugin';

/**
 * Every answer: `X-Content-Type-Options: nosniff` (a JSON error echoing input can never be sniffed as HTML),
 * and `Cache-Control: no-store` unless a route chose its own (answers are per-user and must not sit in a
 * shared cache or the WebView's).
 */
export default fp(
  async (app) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('x-content-type-options', 'nosniff');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'security-headers' },
);
