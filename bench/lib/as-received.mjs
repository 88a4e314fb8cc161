// Header values as a server's HTTP parser hands them to `verify`: each one a flat string decoded
// from the bytes received. A value made here by concatenation (`DPoP ${token}`, a compact JWS)
// is otherwise a chain V8 joins lazily, and whichever code reads it first pays the copy: the
// in-process rows would charge `verify` a cost no server request has.

/** `text` as one flat string, as decoded from the bytes of a request. */
export function received(text) {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** A header record whose every value is {@link received}. */
export function receivedHeaders(headers) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, received(value)]),
  );
}
