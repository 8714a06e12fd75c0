// Package auth issues and checks the bearer tokens of `seminar serve`.
//
// A token is "<payload>.<mac>", both base64url without padding: the payload is a small JSON
// object naming the user (or the admin role) and the expiry, and the mac is HMAC-SHA256 of the
// payload under the server's secret. Tokens are stateless (any replica sharing the secret
// checks them without a lookup) and cannot be widened: changing the user or the expiry breaks
// the mac. A user token opens only that user's routes; the admin token opens the admin routes
// (model reload) and no user's history.
package auth
