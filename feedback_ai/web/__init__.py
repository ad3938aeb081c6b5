"""The review UI: server-rendered pages, browser sessions, CSRF and security headers."""
