module github.com/tokenmanager/tokenmanager

go 1.26
