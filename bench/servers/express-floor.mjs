// The Express floor: one route that makes the floor check and answers the same JSON as
// Express + fapi-guard.
import express from 'express';
import { PORT, ready } from './common.mjs';
import { body, floorAccepts, rejection } from './floor-check.mjs';

const app = express();
app.get('/accounts', (req, res) => {
  if (!floorAccepts(req.headers.authorization, req.headers.dpop))
    return res.status(401).json(rejection);
  res.json(body());
});
const server = app.listen(PORT, '127.0.0.1', () => ready(server));
