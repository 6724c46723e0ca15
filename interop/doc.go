// Package interop holds the tests that drive the real server with the
// clients people already run (OAuth introspection clients, OIDC verifiers,
// JWKS caches). It is its own module so that those clients never become
// dependencies of TokenManager itself.
package interop
