"""BookMySeat: a cinema booking site in pure Python."""
