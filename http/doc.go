// Package http is TokenManager over HTTP: the net/http middleware that
// library users put in front of their own handlers, and the Server that is
// the whole system on its own (accounts, sign-in, refresh, cancellation,
// sessions, OAuth 2.0 revocation and introspection, forward-auth, JWKS,
// discovery metadata, an OpenAPI document, a Server-Sent Events stream of
// cancellations for other services' replicas, health and metrics).
//
// Three rules hold everywhere in the package:
//
//   - Handlers return errors; only [Error] writes one, with the status taken
//     from one table of error codes, so a 401 always carries its
//     WWW-Authenticate header and every error has the same JSON shape.
//   - What the client reads is the error's client-safe message; the cause
//     of a 5xx is only logged (with the request id), never sent.
//   - Finding a token and refusing a request are separate steps ([Verify]
//     and [Require]), so a handler can serve anonymous and signed-in users
//     alike, and the place the token comes from ([TokenFinder]) is
//     replaceable.
//
// Request bodies of the Server are bounded (Server.MaxBodyBytes, 413
// beyond it). JSON routes take exactly one JSON object whose fields they
// all know; a body declared as anything but JSON is refused with 415
// unsupported_media_type (a missing Content-Type is accepted, since curl
// and scripts forget it and a browser cannot send a cross-site request
// without one). The OAuth routes take application/x-www-form-urlencoded
// bodies, as RFC 7009 and RFC 7662 ask.
package http
