// Express with no authentication at all: what the framework alone costs per request.
import express from 'express';
import { PORT, ready } from './common.mjs';

const app = express();
app.get('/accounts', (_req, res) => res.json({ subject: process.env.SUBJECT }));
ready(app.listen(PORT, '127.0.0.1'));
