// Container health check: exits 0 when http://127.0.0.1:<port>/health/ready answers 2xx.
const port = Number(process.argv[2]);
fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(3000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
