/*
 * hash.crc32: an Updraft action written in C against ABI v1 with no SDK.
 *
 * It reads the request JSON on stdin, takes input.text, and writes
 * {"output":{"crc32":"<8 hex digits>","length":<bytes>}} on stdout. Any
 * failure writes an error envelope and exits with status 1. The JSON
 * handling below is just enough for the request: it walks objects,
 * arrays, strings, numbers and literals, and decodes string escapes,
 * including \u escapes with surrogate pairs, to UTF-8.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MAX_REQUEST is the largest request read from stdin, in bytes. */
#define MAX_REQUEST (16u << 20)

struct buffer {
	char *data;
	size_t len, cap;
};

static int append(struct buffer *b, const char *s, size_t n) {
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (!data)
			return -1;
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

/* fail writes an error envelope and exits with status 1. */
static void fail(const char *code, const char *message) {
	printf("{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code, message);
	exit(1);
}

static const char *skip_space(const char *p) {
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int hex_value(char c) {
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* read_hex4 reads four hex digits at p, or returns -1. */
static long read_hex4(const char *p) {
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_value(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static int append_utf8(struct buffer *out, unsigned long cp) {
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return append(out, s, n);
}

/*
 * read_unicode_escape decodes the \uXXXX escape whose hex digits start at
 * *pp, and a following low surrogate escape when the first is a high
 * surrogate. It advances *pp past the digits.
 */
static int read_unicode_escape(const char **pp, struct buffer *out) {
	long cp = read_hex4(*pp);
	if (cp < 0)
		return -1;
	*pp += 4;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		const char *p = *pp;
		if (p[0] != '\\' || p[1] != 'u')
			return -1;
		long low = read_hex4(p + 2);
		if (low < 0xDC00 || low > 0xDFFF)
			return -1;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
		*pp += 6;
	} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
		return -1;
	}
	return out ? append_utf8(out, (unsigned long)cp) : 0;
}

/*
 * parse_string reads the JSON string at p (which points at its opening
 * quote), decodes it into out unless out is NULL, and returns the position
 * after the closing quote, or NULL when the string is invalid.
 */
static const char *parse_string(const char *p, struct buffer *out) {
	if (*p != '"')
		return NULL;
	p++;
	for (;;) {
		const char *start = p;
		while (*p && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			p++;
		if (out && append(out, start, (size_t)(p - start)) < 0)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			return NULL; /* end of input or a control character */
		p++;
		char c;
		switch (*p++) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (read_unicode_escape(&p, out) < 0)
				return NULL;
			continue;
		default:
			return NULL;
		}
		if (out && append(out, &c, 1) < 0)
			return NULL;
	}
}

static const char *skip_value(const char *p, int depth);

/* skip_container skips an object or array whose opening bracket is at p. */
static const char *skip_container(const char *p, int depth) {
	char close = *p == '{' ? '}' : ']';
	int object = *p == '{';
	p = skip_space(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = parse_string(p, NULL);
			if (!p)
				return NULL;
			p = skip_space(p);
			if (*p != ':')
				return NULL;
			p = skip_space(p + 1);
		}
		p = skip_value(p, depth + 1);
		if (!p)
			return NULL;
		p = skip_space(p);
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = skip_space(p + 1);
	}
}

/* skip_value returns the position after the JSON value at p, or NULL. */
static const char *skip_value(const char *p, int depth) {
	if (depth > 64)
		return NULL;
	switch (*p) {
	case '"':
		return parse_string(p, NULL);
	case '{':
	case '[':
		return skip_container(p, depth);
	}
	const char *start = p;
	while (*p && strchr("+-.0123456789eEtrufalsn", *p))
		p++;
	return p > start ? p : NULL;
}

/*
 * find_member returns the value of key in the JSON object at p, or NULL
 * when p is not an object or has no such key.
 */
static const char *find_member(const char *p, const char *key) {
	p = skip_space(p);
	if (*p != '{')
		return NULL;
	p = skip_space(p + 1);
	struct buffer name = {0};
	while (*p == '"') {
		name.len = 0;
		p = parse_string(p, &name);
		if (!p)
			break;
		p = skip_space(p);
		if (*p != ':')
			break;
		p = skip_space(p + 1);
		if (name.data && strcmp(name.data, key) == 0) {
			free(name.data);
			return p;
		}
		p = skip_value(p, 1);
		if (!p)
			break;
		p = skip_space(p);
		if (*p != ',')
			break;
		p = skip_space(p + 1);
	}
	free(name.data);
	return NULL;
}

static uint32_t crc32(const unsigned char *data, size_t n) {
	static uint32_t table[256];
	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

static struct buffer read_stdin(void) {
	struct buffer in = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (in.len + n > MAX_REQUEST)
			fail("invalid_request", "the request is larger than 16 MiB");
		if (append(&in, chunk, n) < 0)
			fail("out_of_memory", "cannot hold the request");
	}
	if (!in.data)
		fail("invalid_request", "stdin is empty");
	return in;
}

int main(void) {
	struct buffer request = read_stdin();
	const char *input = find_member(request.data, "input");
	if (!input)
		fail("invalid_request", "the request has no input object");
	const char *text = find_member(input, "text");
	if (!text || *text != '"')
		fail("invalid_input", "input.text is missing or not a string");

	struct buffer decoded = {0};
	append(&decoded, "", 0);
	if (!parse_string(text, &decoded))
		fail("invalid_input", "input.text is not a valid JSON string");

	uint32_t sum = crc32((const unsigned char *)decoded.data, decoded.len);
	printf("{\"output\":{\"crc32\":\"%08x\",\"length\":%zu}}\n", (unsigned)sum, decoded.len);
	return 0;
}
