/**
 * How every service's HTTP API refuses a request: RFC 9457 problem+json bodies ({@link
 * dev.ballast.resilience.api.ProblemDetails}, thrown as {@link dev.ballast.resilience.api.ProblemException}) and
 * the constant-time bearer-token check that guards admin, service and cron endpoints before any other work.
 */
package dev.ballast.resilience.api;
