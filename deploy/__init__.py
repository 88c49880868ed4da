"""Running BookMySeat in production: the proxy configuration, service units and the
local topology (prod_local)."""
