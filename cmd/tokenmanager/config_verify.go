package main

// verifyCacheMemory reads --verify-cache-memory: a size, or off (the
// Manager's negative value: no cache).
func verifyCacheMemory(s string) (int64, error) {
	if s == "off" {
		return -1, nil
	}
	return parseBytes(s)
}

// gcHeadroom reads --gc-headroom: a size, or off (0).
func gcHeadroom(s string) (uint64, error) {
	if s == "off" {
		return 0, nil
	}
	n, err := parseBytes(s)
	return uint64(max(n, 0)), err
}
