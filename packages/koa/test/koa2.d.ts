// Koa 2 is installed as the alias package `koa2`; its API is typed by @types/koa.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
