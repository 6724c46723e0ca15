package main

// verifyCacheMemory reads --verify-cache-memory: a size, or off (the
// Manager's negative value: no cache).
func verifyCacheMemory(s string) (int64, error) {
	if s == "off" {
		return -1, nil
	}
	return parseBytes(s)
}
