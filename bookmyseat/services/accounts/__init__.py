"""People: accounts, the password rules and hashes, and the signed-in browsers."""
