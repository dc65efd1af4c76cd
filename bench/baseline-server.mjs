// The baseline of `npm run bench`: a bare node:http server in a process of its own, answering a
// small JSON body the way a retrieve does. Every Qualify scenario is reported as a ratio to it,
// measured in the same run on the same machine.
import { createServer } from 'node:http';

const body = JSON.stringify({
  qualification_session_id: 'qs_00000000-0000-4000-8000-000000000000',
  status: 'pending',
});
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
