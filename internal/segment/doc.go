// Package segment lets an HTTP handler send a whole answer in one write to its socket.
//
// net/http writes a response through a 4 KB buffer, so an answer of 7 KB (a GraphQL page of 30
// events) costs two writes to the socket, and its client two wake-ups to read it. Under load those
// writes were the largest single item of the GraphQL server's CPU profile. A Listener wraps the
// connections it accepts; a handler that has its whole answer (with its Content-Length) calls Hold,
// writes and flushes it, and Release sends it in one write.
//
// Wiring: serve with Listener{ln} and set the http.Server's ConnContext to ConnContext; handlers
// find their connection with FromContext (nil otherwise, and then they write as usual). Hijacked
// connections (websockets) are ordinary connections: nothing is held unless a handler asks.
package segment
