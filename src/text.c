/* text.c - UTF-8 validation, line/column positions and label folding. */
#include "text.h"

#include <stdint.h>

size_t qs_text__utf8_invalid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

void qs_text__line_col(const char *buf, size_t off, unsigned long *line, unsigned long *col)
{
    unsigned long l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

size_t qs_text__trim(const char *s, size_t len, const char **start)
{
    size_t a = 0, b = len;
    while (a < b && is_space((unsigned char)s[a]))
        a++;
    while (b > a && is_space((unsigned char)s[b - 1]))
        b--;
    *start = s + a;
    return b - a;
}

size_t qs_text__fold(const char *s, size_t len, char *out, size_t size)
{
    const char *t;
    size_t n = qs_text__trim(s, len, &t);
    size_t w = 0;
    int pending_space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (is_space(c)) {
            pending_space = 1;
            continue;
        }
        if (pending_space) {
            if (w + 1 < size)
                out[w] = ' ';
            w++;
            pending_space = 0;
        }
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (w + 1 < size)
            out[w] = (char)c;
        w++;
    }
    if (size)
        out[w < size ? w : size - 1] = '\0';
    return w;
}

/* A plain decimal number, whole: [+-]? (D+ [.D*] | .D+) ([eE] [+-]? D+)?. Stricter than strtod
 * on purpose (no "inf", "nan", hex or leading blanks): only what any spreadsheet reads as a
 * number. */
static int plain_number(const char *s)
{
    size_t digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    while (*s >= '0' && *s <= '9') {
        s++;
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            s++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int qs_text__formula_like(const char *s)
{
    char c = s ? s[0] : '\0';
    if (c == '=' || c == '@' || c == '\t' || c == '\r')
        return 1;
    return (c == '+' || c == '-') && !plain_number(s);
}
