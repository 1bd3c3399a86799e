import fp from 'fastify-plugin';
import { NotReadyError } from '../errors.ts';

/*
 * Closing (SIGTERM → app.close()) must not wait for a keep-alive socket to time out. Node's server.close()
 * destroys the connections that are idle at that moment, but a connection whose request is still being served
 * is answered with `Connection: keep-alive` and then sits idle for HTTP_KEEP_ALIVE_TIMEOUT_MS (72 s by
 * default), and Fastify runs the onClose hooks (database, background drain) only once the last connection has
 * gone: past close-with-grace's 10 s, the process is killed before they run.
 *
 * So once closing, every answer still being served goes out with `Connection: close` (Node ends the socket
 * after the answer is written, and the client knows not to reuse it), and an answer whose headers had already
 * gone out with keep-alive has its connection reaped once it is finished. Nothing in flight is cut: the request
 * being served (a notification being stored) still gets its full answer. A request that only arrives while
 * closing (on a connection that was busy when close began) is refused with 503 BFF_NOT_READY: a load balancer
 * or WeChat sends it again elsewhere or later.
 */
export default fp(
  async (app) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    // Callback hooks, not async ones: they run on every request, and nearly always do nothing.
    app.addHook('onRequest', (_request, _reply, done) => {
      done(closing ? new NotReadyError('the service is shutting down; try again') : undefined);
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });
    app.addHook('onResponse', (_request, _reply, done) => {
      // Node has detached the finished answer from its socket by now, so that socket counts as idle.
      if (closing) app.server.closeIdleConnections();
      done();
    });
  },
  { name: 'graceful-close' },
);
