"""The files every SDK reads: the shared config file and the login credential cache."""
