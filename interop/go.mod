module github.com/tokenmanager/tokenmanager/interop

go 1.26.0

replace github.com/tokenmanager/tokenmanager => ../
