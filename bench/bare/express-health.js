// Bare Express: GET /health with a small JSON body, nothing else.
const express = require('express');

const app = express();
app.get('/health', (_req, res) => res.json({ status: 'ok' }));
app.listen(Number(process.env.PORT), '127.0.0.1');
