package mock

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

// AdminPrefix is where odmock's own endpoints live, out of the API's way.
const AdminPrefix = "/__odmock"

// checkAdminToken refuses an admin token that is also an API token: the
// API token must never grant admin rights.
func checkAdminToken(cfg Config) error {
	if cfg.AdminToken == "" {
		return nil
	}
	if newTokenSet(cfg.Tokens).check("Bearer " + cfg.AdminToken) {
		return errors.New("admin token: must differ from every API token")
	}
	return nil
}

// adminGroup is the /__odmock group, for odmock's own endpoints. When the
// config has an AdminToken, every path in it requires
// "Authorization: Bearer ADMIN-TOKEN"; anything else, an API token
// included, gets 401. Health is registered outside the group (HealthPath):
// it stays public, for probes. Register admin routes on the group this
// returns, e.g. s.adminGroup(e).POST("/scenario", ...).
func (s *Server) adminGroup(e *echo.Echo) *echo.Group {
	g := e.Group(AdminPrefix)
	if s.cfg.AdminToken != "" {
		g.Use(s.requireAdmin(newTokenSet([]string{s.cfg.AdminToken})))
	}
	return g
}

// requireAdmin answers 401 to requests without the admin token. Unknown
// paths under the group get 401 too, so they say nothing of what exists.
func (s *Server) requireAdmin(admin tokenSet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !admin.check(c.Request().Header.Get("Authorization")) {
				w := c.Response()
				w.Header().Set("WWW-Authenticate", `Bearer realm="odmock admin"`)
				writeJSON(w, http.StatusUnauthorized, messageBody(msgUnauthenticated))
				return nil
			}
			return next(c)
		}
	}
}
