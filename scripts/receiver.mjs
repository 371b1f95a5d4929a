// `npm run receiver`: a tiny webhook receiver for trying Herald out. Prints every request it
// gets on 127.0.0.1:${PORT:-9000} and, when WEBHOOK_SECRET is set, verifies the signature with
// the standardwebhooks library as a real receiver would.
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const port = Number(process.env.PORT ?? 9000);
const verifier = process.env.WEBHOOK_SECRET ? new Webhook(process.env.WEBHOOK_SECRET) : null;

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let verdict = 'not checked (set WEBHOOK_SECRET to verify)';
    if (verifier) {
      try {
        verifier.verify(body, req.headers);
        verdict = 'valid';
      } catch (error) {
        verdict = `INVALID: ${error.message}`;
      }
    }
    console.log(`${req.method} ${req.url}  webhook-id=${req.headers['webhook-id']}  signature ${verdict}\n  ${body}`);
    res.writeHead(verdict.startsWith('INVALID') ? 400 : 200).end('ok');
  });
}).listen(port, '127.0.0.1', () => console.log(`receiver listening on http://127.0.0.1:${port}/webhook`));
