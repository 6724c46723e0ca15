module github.com/tokenmanager/tokenmanager

go 1.26.0

require github.com/golang-jwt/jwt/v5 v5.3.1

require (
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
