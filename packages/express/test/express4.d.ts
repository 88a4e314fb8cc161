// Express 4 is installed as the alias package `express4`; its API is typed by @types/express.
declare module 'express4' {
  import express from 'express';
  export default express;
}
