// A tiny HTTP server, only here so the example looks like a real project.
const http = require('node:http');
const { settings } = require('./config');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello from ${settings.serviceName}\n`);
});

server.listen(settings.port, () => {
  console.log(`listening on ${settings.port}`);
});
