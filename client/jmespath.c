/* jmespath — a JMESPath compiler and evaluator over jansson values (see
 * jmespath.h). The expression is split into tokens first, then parsed by
 * a top-down operator-precedence parser with the binding powers the
 * specification's grammar implies (pipe < or < and < comparators <
 * flatten < star < filter < dot < not < { < [ < parenthesis); projections
 * (`[*]`, `*`, `[]`, `[?..]`, slices) take the rest of the expression up
 * to a token that binds less than 10 as their right-hand side. This file
 * owns the token array and the tree; the built-in functions (with their
 * argument type checks) are in jmespath_fn.c, behind jmespath_int.h. */
#include "jmespath.h"
#include "jmespath_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest nesting the parser accepts (the parser recurses per level). */
#define MAX_DEPTH 200

/* ---- tokens ------------------------------------------------------------- */

enum tok {
	T_EOF,
	T_IDENT,   /* foo */
	T_QIDENT,  /* "foo" */
	T_NUMBER,  /* -12 */
	T_LITERAL, /* `json` or 'raw' */
	T_DOT,
	T_STAR,
	T_AT,
	T_LBRACKET,
	T_RBRACKET,
	T_FLATTEN, /* [] */
	T_FILTER,  /* [? */
	T_LBRACE,
	T_RBRACE,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_COLON,
	T_PIPE,
	T_OR,
	T_AND,
	T_NOT,
	T_EXPREF, /* & */
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE
};

struct token {
	enum tok type;
	size_t pos;	 /* offset in the expression */
	size_t len;	 /* bytes of the expression it spans */
	char *str;	 /* T_IDENT, T_QIDENT: the name (owned) */
	long long num;	 /* T_NUMBER */
	json_t *literal; /* T_LITERAL (owned) */
};

/* ---- the tree ----------------------------------------------------------- */

enum node_type {
	N_CURRENT,  /* @ (also the implicit left side of projections) */
	N_FIELD,    /* name */
	N_SUB,	    /* a.b, a[0]: b evaluated on a's result */
	N_PIPE,	    /* a | b: the same, but stops projections */
	N_INDEX,    /* [n] on the current node */
	N_SLICE,    /* [start:stop:step] on the current node */
	N_PROJECT,  /* a[*] b: b on each element of the list a */
	N_VPROJECT, /* a.* b: b on each value of the object a */
	N_FILTER,   /* a[?c] b: b on each element of a where c is true */
	N_FLATTEN,  /* a[]: one level of nested lists merged */
	N_CMP,
	N_AND,
	N_OR,
	N_NOT,
	N_LITERAL,
	N_MLIST, /* [a, b] */
	N_MHASH, /* {k: a, k2: b} */
	N_FUNC,
	N_EXPREF /* &expr, a function argument */
};

struct func;

struct node {
	enum node_type type;
	struct node *a, *b, *c; /* left, right, filter condition */
	struct node **kids;	/* N_MLIST, N_MHASH, N_FUNC: n_kids */
	char **keys;		/* N_MHASH: n_kids keys (owned) */
	size_t n_kids;
	char *name;	       /* N_FIELD (owned) */
	long long num[3];      /* N_INDEX: num[0]; N_SLICE: start stop step */
	bool has[3];	       /* N_SLICE: which of num[] were given */
	enum tok op;	       /* N_CMP */
	json_t *literal;       /* N_LITERAL (owned) */
	const struct func *fn; /* N_FUNC */
};

struct jmespath {
	struct node *root;
};

static void node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	node_free(n->c);
	for (size_t i = 0; i < n->n_kids; i++) {
		node_free(n->kids[i]);
		if (n->keys != NULL)
			free(n->keys[i]);
	}
	free(n->kids);
	free(n->keys);
	free(n->name);
	json_decref(n->literal);
	free(n);
}

/* ---- lexer -------------------------------------------------------------- */

struct parser {
	const char *expr;
	struct token *toks;
	size_t n_toks, cap, i;
	int depth;
	char *err;
	size_t errlen;
	bool failed;
};

static int perr(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "syntax error at column %zu: %s", pos + 1,
		 msg);
	return -1;
}

static struct token *push_tok(struct parser *p, enum tok type, size_t pos,
			      size_t len)
{
	if (p->n_toks == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct token *t = realloc(p->toks, cap * sizeof *t);
		if (t == NULL)
			return NULL;
		p->toks = t;
		p->cap = cap;
	}
	struct token *t = &p->toks[p->n_toks++];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->pos = pos;
	t->len = len;
	return t;
}

/* The end of a quoted run starting after the opening quote at s[i]:
 * the index of the closing quote, backslash escaping one character;
 * SIZE_MAX when unterminated. */
static size_t quoted_end(const char *s, size_t i, char q)
{
	for (i++; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == q)
			return i;
	}
	return SIZE_MAX;
}

/* Copy s[from..to) replacing each "\<q>" by "<q>". Returns owned. */
static char *unescape_quote(const char *s, size_t from, size_t to, char q)
{
	char *out = malloc(to - from + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = from; i < to; i++) {
		if (s[i] == '\\' && i + 1 < to && s[i + 1] == q)
			i++;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

static int lex_literal(struct parser *p, size_t i, size_t end)
{
	json_error_t jerr;
	char *text = unescape_quote(p->expr, i + 1, end, '`');
	if (text == NULL)
		return perr(p, i, "out of memory");
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		/* The deprecated form `foo` (not JSON) is the string "foo",
		 * as JMESPath implementations (and so the AWS CLI) accept. */
		const char *t = text;
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		size_t n = strlen(t);
		char *quoted = malloc(n + 3);
		if (quoted != NULL) {
			quoted[0] = '"';
			memcpy(quoted + 1, t, n);
			quoted[n + 1] = '"';
			quoted[n + 2] = '\0';
			v = json_loads(quoted, JSON_DECODE_ANY, &jerr);
			free(quoted);
		}
	}
	free(text);
	if (v == NULL)
		return perr(p, i, "invalid JSON literal");
	struct token *t = push_tok(p, T_LITERAL, i, end + 1 - i);
	if (t == NULL) {
		json_decref(v);
		return perr(p, i, "out of memory");
	}
	t->literal = v;
	return 0;
}

static int lex(struct parser *p)
{
	const char *s = p->expr;
	size_t i = 0;

	while (s[i] != '\0') {
		char c = s[i];
		enum tok one = T_EOF;
		struct token *t;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_') {
			size_t j = i;
			while (isalnum((unsigned char)s[j]) || s[j] == '_')
				j++;
			if ((t = push_tok(p, T_IDENT, i, j - i)) == NULL ||
			    (t->str = strndup(s + i, j - i)) == NULL)
				return perr(p, i, "out of memory");
			i = j;
			continue;
		}
		if (isdigit((unsigned char)c) ||
		    (c == '-' && isdigit((unsigned char)s[i + 1]))) {
			char *endp;
			long long v = strtoll(s + i, &endp, 10);
			size_t j = (size_t)(endp - s);
			if ((t = push_tok(p, T_NUMBER, i, j - i)) == NULL)
				return perr(p, i, "out of memory");
			t->num = v;
			i = j;
			continue;
		}
		if (c == '"' || c == '\'' || c == '`') {
			size_t end = quoted_end(s, i, c);
			if (end == SIZE_MAX)
				return perr(p, i, "unterminated %c", c);
			if (c == '`') {
				if (lex_literal(p, i, end) != 0)
					return -1;
			} else if (c == '\'') {
				char *raw = unescape_quote(s, i + 1, end, '\'');
				if (raw == NULL ||
				    (t = push_tok(p, T_LITERAL, i,
						  end + 1 - i)) == NULL) {
					free(raw);
					return perr(p, i, "out of memory");
				}
				t->literal = json_string(raw);
				free(raw);
				if (t->literal == NULL)
					return perr(p, i,
						    "raw string is not UTF-8");
			} else {
				json_error_t jerr;
				char *q = strndup(s + i, end + 1 - i);
				json_t *v =
				    q ? json_loads(q, JSON_DECODE_ANY, &jerr)
				      : NULL;
				free(q);
				if (!json_is_string(v)) {
					json_decref(v);
					return perr(
					    p, i, "invalid quoted identifier");
				}
				t = push_tok(p, T_QIDENT, i, end + 1 - i);
				if (t == NULL ||
				    (t->str = strdup(json_string_value(v))) ==
					NULL) {
					json_decref(v);
					return perr(p, i, "out of memory");
				}
				json_decref(v);
			}
			i = end + 1;
			continue;
		}
		size_t len = 1;
		switch (c) {
		case '.':
			one = T_DOT;
			break;
		case '*':
			one = T_STAR;
			break;
		case '@':
			one = T_AT;
			break;
		case ']':
			one = T_RBRACKET;
			break;
		case '{':
			one = T_LBRACE;
			break;
		case '}':
			one = T_RBRACE;
			break;
		case '(':
			one = T_LPAREN;
			break;
		case ')':
			one = T_RPAREN;
			break;
		case ',':
			one = T_COMMA;
			break;
		case ':':
			one = T_COLON;
			break;
		case '[':
			one = s[i + 1] == ']'	? T_FLATTEN
			      : s[i + 1] == '?' ? T_FILTER
						: T_LBRACKET;
			len = one == T_LBRACKET ? 1 : 2;
			break;
		case '|':
			one = s[i + 1] == '|' ? T_OR : T_PIPE;
			len = one == T_OR ? 2 : 1;
			break;
		case '&':
			one = s[i + 1] == '&' ? T_AND : T_EXPREF;
			len = one == T_AND ? 2 : 1;
			break;
		case '!':
			one = s[i + 1] == '=' ? T_NE : T_NOT;
			len = one == T_NE ? 2 : 1;
			break;
		case '<':
			one = s[i + 1] == '=' ? T_LE : T_LT;
			len = one == T_LE ? 2 : 1;
			break;
		case '>':
			one = s[i + 1] == '=' ? T_GE : T_GT;
			len = one == T_GE ? 2 : 1;
			break;
		case '=':
			if (s[i + 1] == '=') {
				one = T_EQ;
				len = 2;
			}
			break;
		default:
			break;
		}
		if (one == T_EOF) {
			if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
				return perr(p, i, "unknown token '%c'", c);
			return perr(p, i, "unknown token (byte 0x%02x)",
				    (unsigned char)c);
		}
		if (push_tok(p, one, i, len) == NULL)
			return perr(p, i, "out of memory");
		i += len;
	}
	return push_tok(p, T_EOF, i, 0) != NULL ? 0
						: perr(p, i, "out of memory");
}

/* ---- parser ------------------------------------------------------------- */

static int binding_power(enum tok t)
{
	switch (t) {
	case T_PIPE:
		return 1;
	case T_OR:
		return 2;
	case T_AND:
		return 3;
	case T_EQ:
	case T_NE:
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE:
		return 5;
	case T_FLATTEN:
		return 9;
	case T_STAR:
		return 20;
	case T_FILTER:
		return 21;
	case T_DOT:
		return 40;
	case T_NOT:
		return 45;
	case T_LBRACE:
		return 50;
	case T_LBRACKET:
		return 55;
	case T_LPAREN:
		return 60;
	default:
		return 0;
	}
}

static const struct token *peek(const struct parser *p, size_t ahead)
{
	size_t i = p->i + ahead;
	return &p->toks[i < p->n_toks ? i : p->n_toks - 1];
}

static const struct token *advance(struct parser *p)
{
	const struct token *t = peek(p, 0);
	if (p->i < p->n_toks - 1)
		p->i++;
	return t;
}

/* How a token reads in an error message. */
static void describe(const struct parser *p, const struct token *t, char *buf,
		     size_t len)
{
	if (t->type == T_EOF)
		snprintf(buf, len, "end of expression");
	else
		snprintf(buf, len, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
			 p->expr + t->pos);
}

static int unexpected(struct parser *p, const struct token *t,
		      const char *expected)
{
	char what[64];
	describe(p, t, what, sizeof what);
	if (expected != NULL)
		return perr(p, t->pos, "expected %s, got %s", expected, what);
	return perr(p, t->pos, "unexpected %s", what);
}

static int match(struct parser *p, enum tok type, const char *what)
{
	if (peek(p, 0)->type != type)
		return unexpected(p, peek(p, 0), what);
	advance(p);
	return 0;
}

static struct node *mk(struct parser *p, enum node_type type, struct node *a,
		       struct node *b)
{
	struct node *n = calloc(1, sizeof *n);
	if (n == NULL) {
		perr(p, peek(p, 0)->pos, "out of memory");
		node_free(a);
		node_free(b);
		return NULL;
	}
	n->type = type;
	n->a = a;
	n->b = b;
	return n;
}

/* Append kid to n->kids (n keeps it even on failure: freed with n). */
static int add_kid(struct parser *p, struct node *n, struct node *kid,
		   char *key)
{
	struct node **k = realloc(n->kids, (n->n_kids + 1) * sizeof *k);
	if (k != NULL)
		n->kids = k;
	if (k != NULL && n->type == N_MHASH) {
		char **keys = realloc(n->keys, (n->n_kids + 1) * sizeof *keys);
		if (keys == NULL)
			k = NULL;
		else
			n->keys = keys;
	}
	if (k == NULL) {
		node_free(kid);
		free(key);
		return perr(p, peek(p, 0)->pos, "out of memory");
	}
	n->kids[n->n_kids] = kid;
	if (n->type == N_MHASH)
		n->keys[n->n_kids] = key;
	n->n_kids++;
	return 0;
}

static struct node *expression(struct parser *p, int rbp);

/* What follows a projection: the identity when the next token ends it
 * (binds less than 10), else [..], [?..] or .rhs. */
static struct node *projection_rhs(struct parser *p, int rbp);

static struct node *dot_rhs(struct parser *p, int rbp);

static struct node *multi_list(struct parser *p)
{
	struct node *n = mk(p, N_MLIST, NULL, NULL);
	if (n == NULL)
		return NULL;
	for (;;) {
		struct node *kid = expression(p, 0);
		if (kid == NULL || add_kid(p, n, kid, NULL) != 0)
			goto err_after_node;
		if (peek(p, 0)->type == T_RBRACKET)
			break;
		if (match(p, T_COMMA, "',' or ']'") != 0)
			goto err_after_node;
	}
	advance(p);
	return n;
err_after_node:
	node_free(n);
	return NULL;
}

static struct node *multi_hash(struct parser *p)
{
	struct node *n = mk(p, N_MHASH, NULL, NULL);
	if (n == NULL)
		return NULL;
	for (;;) {
		const struct token *k = peek(p, 0);
		if (k->type != T_IDENT && k->type != T_QIDENT) {
			unexpected(p, k, "a key name");
			goto err_after_node;
		}
		advance(p);
		if (match(p, T_COLON, "':'") != 0)
			goto err_after_node;
		char *key = strdup(k->str);
		struct node *kid = key ? expression(p, 0) : NULL;
		if (key == NULL)
			perr(p, k->pos, "out of memory");
		if (kid == NULL) {
			free(key);
			goto err_after_node;
		}
		if (add_kid(p, n, kid, key) != 0)
			goto err_after_node;
		if (peek(p, 0)->type == T_RBRACE)
			break;
		if (match(p, T_COMMA, "',' or '}'") != 0)
			goto err_after_node;
	}
	advance(p);
	return n;
err_after_node:
	node_free(n);
	return NULL;
}

/* After '[' whose next token is a number or ':': an index or a slice. */
static struct node *index_or_slice(struct parser *p)
{
	const struct token *t = peek(p, 0);
	if (t->type == T_NUMBER && peek(p, 1)->type == T_RBRACKET) {
		struct node *n = mk(p, N_INDEX, NULL, NULL);
		if (n == NULL)
			return NULL;
		n->num[0] = t->num;
		advance(p);
		advance(p);
		return n;
	}
	struct node *n = mk(p, N_SLICE, NULL, NULL);
	int part = 0;
	if (n == NULL)
		return NULL;
	for (;;) {
		t = peek(p, 0);
		if (t->type == T_RBRACKET) {
			advance(p);
			break;
		}
		if (t->type == T_COLON) {
			if (++part > 2) {
				unexpected(p, t, "']'");
				goto err_after_node;
			}
			advance(p);
			continue;
		}
		if (t->type != T_NUMBER || n->has[part]) {
			unexpected(p, t, "a number, ':' or ']'");
			goto err_after_node;
		}
		n->num[part] = t->num;
		n->has[part] = true;
		advance(p);
	}
	return n;
err_after_node:
	node_free(n);
	return NULL;
}

/* left (NULL: the current node) followed by an index or slice; a slice
 * is a projection. */
static struct node *index_expr(struct parser *p, struct node *left)
{
	struct node *right = index_or_slice(p);
	if (right == NULL) {
		node_free(left);
		return NULL;
	}
	if (left == NULL && (left = mk(p, N_CURRENT, NULL, NULL)) == NULL) {
		node_free(right);
		return NULL;
	}
	bool slice = right->type == N_SLICE;
	struct node *n = mk(p, N_SUB, left, right);
	if (n == NULL || !slice)
		return n;
	struct node *rhs = projection_rhs(p, binding_power(T_STAR));
	return rhs ? mk(p, N_PROJECT, n, rhs) : (node_free(n), NULL);
}

/* left[*] rhs, left.* rhs, left[] rhs, left[?cond] rhs. */
static struct node *projection(struct parser *p, enum node_type type,
			       struct node *left, struct node *cond, int rbp)
{
	if (left == NULL && (left = mk(p, N_CURRENT, NULL, NULL)) == NULL) {
		node_free(cond);
		return NULL;
	}
	if (type == N_FLATTEN) {
		if ((left = mk(p, N_FLATTEN, left, NULL)) == NULL)
			return NULL;
		type = N_PROJECT;
	}
	struct node *rhs = projection_rhs(p, rbp);
	if (rhs == NULL) {
		node_free(left);
		node_free(cond);
		return NULL;
	}
	struct node *n = mk(p, type, left, rhs);
	if (n == NULL)
		node_free(cond);
	else
		n->c = cond;
	return n;
}

static struct node *filter(struct parser *p, struct node *left)
{
	struct node *cond = expression(p, 0);
	if (cond == NULL || match(p, T_RBRACKET, "']'") != 0) {
		node_free(cond);
		node_free(left);
		return NULL;
	}
	return projection(p, N_FILTER, left, cond, binding_power(T_FILTER));
}

static struct node *nud(struct parser *p)
{
	const struct token *t = advance(p);
	struct node *n;

	switch (t->type) {
	case T_LITERAL:
		if ((n = mk(p, N_LITERAL, NULL, NULL)) != NULL)
			n->literal = json_incref(t->literal);
		return n;
	case T_IDENT:
	case T_QIDENT:
		if (t->type == T_QIDENT && peek(p, 0)->type == T_LPAREN) {
			perr(p, t->pos,
			     "a quoted identifier cannot name a "
			     "function");
			return NULL;
		}
		if ((n = mk(p, N_FIELD, NULL, NULL)) != NULL &&
		    (n->name = strdup(t->str)) == NULL) {
			node_free(n);
			perr(p, t->pos, "out of memory");
			return NULL;
		}
		return n;
	case T_STAR:
		return projection(p, N_VPROJECT, NULL, NULL,
				  binding_power(T_STAR));
	case T_FILTER:
		return filter(p, NULL);
	case T_FLATTEN:
		return projection(p, N_FLATTEN, NULL, NULL,
				  binding_power(T_FLATTEN));
	case T_LBRACE:
		return multi_hash(p);
	case T_LBRACKET:
		if (peek(p, 0)->type == T_NUMBER || peek(p, 0)->type == T_COLON)
			return index_expr(p, NULL);
		if (peek(p, 0)->type == T_STAR &&
		    peek(p, 1)->type == T_RBRACKET) {
			advance(p);
			advance(p);
			return projection(p, N_PROJECT, NULL, NULL,
					  binding_power(T_STAR));
		}
		return multi_list(p);
	case T_AT:
		return mk(p, N_CURRENT, NULL, NULL);
	case T_EXPREF:
		n = expression(p, 0);
		return n ? mk(p, N_EXPREF, n, NULL) : NULL;
	case T_NOT:
		n = expression(p, binding_power(T_NOT));
		return n ? mk(p, N_NOT, n, NULL) : NULL;
	case T_LPAREN:
		n = expression(p, 0);
		if (n != NULL && match(p, T_RPAREN, "')'") != 0) {
			node_free(n);
			return NULL;
		}
		return n;
	default:
		unexpected(p, t, NULL);
		return NULL;
	}
}

static struct node *function(struct parser *p, struct node *left,
			     const struct token *paren)
{
	if (left->type != N_FIELD) {
		node_free(left);
		perr(p, paren->pos,
		     "'(' after something that is not a "
		     "function name");
		return NULL;
	}
	const struct func *fn = jp_func_find(left->name);
	if (fn == NULL) {
		perr(p, paren->pos, "unknown function '%s'", left->name);
		node_free(left);
		return NULL;
	}
	node_free(left);
	struct node *n = mk(p, N_FUNC, NULL, NULL);
	if (n == NULL)
		return NULL;
	n->fn = fn;
	while (peek(p, 0)->type != T_RPAREN) {
		if (n->n_kids > 0 && match(p, T_COMMA, "',' or ')'") != 0)
			goto err_after_node;
		struct node *kid = expression(p, 0);
		if (kid == NULL || add_kid(p, n, kid, NULL) != 0)
			goto err_after_node;
	}
	advance(p);
	if (n->n_kids < fn->min_args || n->n_kids > fn->max_args) {
		if (fn->max_args == SIZE_MAX)
			perr(p, paren->pos,
			     "%s() takes at least %zu argument%s, got %zu",
			     fn->name, fn->min_args,
			     fn->min_args == 1 ? "" : "s", n->n_kids);
		else
			perr(p, paren->pos,
			     "%s() takes %zu argument%s, got %zu", fn->name,
			     fn->min_args, fn->min_args == 1 ? "" : "s",
			     n->n_kids);
		goto err_after_node;
	}
	return n;
err_after_node:
	node_free(n);
	return NULL;
}

static struct node *led(struct parser *p, const struct token *t,
			struct node *left)
{
	struct node *right;

	switch (t->type) {
	case T_DOT:
		if (peek(p, 0)->type == T_STAR) {
			advance(p);
			return projection(p, N_VPROJECT, left, NULL,
					  binding_power(T_DOT));
		}
		right = dot_rhs(p, binding_power(T_DOT));
		return right ? mk(p, N_SUB, left, right)
			     : (node_free(left), NULL);
	case T_PIPE:
	case T_OR:
	case T_AND:
		right = expression(p, binding_power(t->type));
		if (right == NULL) {
			node_free(left);
			return NULL;
		}
		return mk(p,
			  t->type == T_PIPE ? N_PIPE
			  : t->type == T_OR ? N_OR
					    : N_AND,
			  left, right);
	case T_EQ:
	case T_NE:
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE: {
		right = expression(p, binding_power(t->type));
		if (right == NULL) {
			node_free(left);
			return NULL;
		}
		struct node *n = mk(p, N_CMP, left, right);
		if (n != NULL)
			n->op = t->type;
		return n;
	}
	case T_LPAREN:
		return function(p, left, t);
	case T_FILTER:
		return filter(p, left);
	case T_FLATTEN:
		return projection(p, N_FLATTEN, left, NULL,
				  binding_power(T_FLATTEN));
	case T_LBRACKET:
		if (peek(p, 0)->type == T_NUMBER || peek(p, 0)->type == T_COLON)
			return index_expr(p, left);
		if (match(p, T_STAR, "a number, ':' or '*'") != 0 ||
		    match(p, T_RBRACKET, "']'") != 0) {
			node_free(left);
			return NULL;
		}
		return projection(p, N_PROJECT, left, NULL,
				  binding_power(T_STAR));
	default:
		node_free(left);
		unexpected(p, t, NULL);
		return NULL;
	}
}

static struct node *projection_rhs(struct parser *p, int rbp)
{
	const struct token *t = peek(p, 0);
	if (binding_power(t->type) < 10)
		return mk(p, N_CURRENT, NULL, NULL);
	if (t->type == T_LBRACKET || t->type == T_FILTER)
		return expression(p, rbp);
	if (t->type == T_DOT) {
		advance(p);
		return dot_rhs(p, rbp);
	}
	unexpected(p, t, "'.', '[' or the end of the projection");
	return NULL;
}

static struct node *dot_rhs(struct parser *p, int rbp)
{
	const struct token *t = peek(p, 0);
	switch (t->type) {
	case T_IDENT:
	case T_QIDENT:
	case T_STAR:
		return expression(p, rbp);
	case T_LBRACKET:
		advance(p);
		return multi_list(p);
	case T_LBRACE:
		advance(p);
		return multi_hash(p);
	default:
		unexpected(p, t, "a name, '*', '[' or '{' after '.'");
		return NULL;
	}
}

static struct node *expression(struct parser *p, int rbp)
{
	if (++p->depth > MAX_DEPTH) {
		perr(p, peek(p, 0)->pos, "expression nested too deeply");
		return NULL;
	}
	struct node *left = nud(p);
	while (left != NULL && rbp < binding_power(peek(p, 0)->type))
		left = led(p, advance(p), left);
	p->depth--;
	return left;
}

int jmespath_compile(const char *expr, struct jmespath **out, char *errmsg,
		     size_t errlen)
{
	struct parser p = {.expr = expr, .err = errmsg, .errlen = errlen};
	struct node *root = NULL;

	*out = NULL;
	if (lex(&p) == 0) {
		root = expression(&p, 0);
		if (root != NULL && peek(&p, 0)->type != T_EOF) {
			unexpected(&p, peek(&p, 0), NULL);
			node_free(root);
			root = NULL;
		}
	}
	for (size_t i = 0; i < p.n_toks; i++) {
		free(p.toks[i].str);
		json_decref(p.toks[i].literal);
	}
	free(p.toks);
	if (root == NULL) {
		if (!p.failed)
			snprintf(errmsg, errlen, "out of memory");
		return -1;
	}
	if ((*out = malloc(sizeof **out)) == NULL) {
		node_free(root);
		snprintf(errmsg, errlen, "out of memory");
		return -1;
	}
	(*out)->root = root;
	return 0;
}

void jmespath_free(struct jmespath *jp)
{
	if (jp != NULL) {
		node_free(jp->root);
		free(jp);
	}
}

/* ---- evaluation --------------------------------------------------------- */

int jp_eerr(struct ectx *cx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cx->err, cx->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int jp_oom(struct ectx *cx)
{
	return jp_eerr(cx, "out of memory");
}

static bool truthy(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return true;
	}
}

/* -1, 0, 1 for two numbers. */
int jp_num_cmp(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return x < y ? -1 : x > y;
	}
	double x = json_number_value(a), y = json_number_value(b);
	return x < y ? -1 : x > y;
}

/* Strings compare by code point, which for UTF-8 is byte order. */
int jp_str_cmp(const json_t *a, const json_t *b)
{
	size_t la = json_string_length(a), lb = json_string_length(b);
	int c = memcmp(json_string_value(a), json_string_value(b),
		       la < lb ? la : lb);
	return c != 0 ? (c < 0 ? -1 : 1) : (la < lb ? -1 : la > lb);
}

/* Deep equality; 1 and 1.0 are equal. */
bool jp_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return jp_num_cmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return jp_str_cmp(a, b) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!jp_equal(json_array_get(a, i),
				      json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v)
		{
			json_t *w = json_object_get(b, k);
			if (w == NULL || !jp_equal(v, w))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/* Python-style slice bounds: clamp one end point to the list. */
static long long slice_end(long long v, long long len, long long step)
{
	if (v < 0) {
		v += len;
		if (v < 0)
			v = step < 0 ? -1 : 0;
	} else if (v >= len) {
		v = step < 0 ? len - 1 : len;
	}
	return v;
}

static int eval_slice(struct ectx *cx, const struct node *n, json_t *cur,
		      json_t **out)
{
	if (!json_is_array(cur)) {
		*out = json_null();
		return 0;
	}
	long long len = (long long)json_array_size(cur);
	long long step = n->has[2] ? n->num[2] : 1;
	if (step == 0)
		return jp_eerr(cx, "invalid value: slice step cannot be 0");
	long long start = n->has[0] ? slice_end(n->num[0], len, step)
				    : (step < 0 ? len - 1 : 0);
	long long stop =
	    n->has[1] ? slice_end(n->num[1], len, step) : (step < 0 ? -1 : len);
	json_t *r = json_array();
	if (r == NULL)
		return jp_oom(cx);
	for (long long i = start; step > 0 ? i < stop : i > stop; i += step)
		if (json_array_append(r, json_array_get(cur, (size_t)i)) != 0) {
			json_decref(r);
			return jp_oom(cx);
		}
	*out = r;
	return 0;
}

/* Append v (taken) to list unless it is null. */
static int collect(struct ectx *cx, json_t *list, json_t *v)
{
	if (json_is_null(v))
		return 0;
	return json_array_append_new(list, v) == 0 ? 0 : jp_oom(cx);
}

static int eval_projection(struct ectx *cx, const struct node *n, json_t *cur,
			   json_t **out)
{
	json_t *left, *list = NULL, *v;
	size_t i;
	const char *k;
	int rc = 0;

	if (jp_eval(cx, n->a, cur, &left) != 0)
		return -1;
	if (n->type == N_VPROJECT ? !json_is_object(left)
				  : !json_is_array(left)) {
		json_decref(left);
		*out = json_null();
		return 0;
	}
	if ((list = json_array()) == NULL) {
		json_decref(left);
		return jp_oom(cx);
	}
	if (n->type == N_VPROJECT) {
		json_object_foreach(left, k, v)
		{
			json_t *r;
			if ((rc = jp_eval(cx, n->b, v, &r)) != 0 ||
			    (rc = collect(cx, list, r)) != 0)
				break;
		}
	} else {
		json_array_foreach(left, i, v)
		{
			json_t *r;
			if (n->type == N_FILTER) {
				json_t *c;
				if ((rc = jp_eval(cx, n->c, v, &c)) != 0)
					break;
				bool keep = truthy(c);
				json_decref(c);
				if (!keep)
					continue;
			}
			if ((rc = jp_eval(cx, n->b, v, &r)) != 0 ||
			    (rc = collect(cx, list, r)) != 0)
				break;
		}
	}
	json_decref(left);
	if (rc != 0) {
		json_decref(list);
		return -1;
	}
	*out = list;
	return 0;
}

static int eval_flatten(struct ectx *cx, const struct node *n, json_t *cur,
			json_t **out)
{
	json_t *left, *list, *v;
	size_t i;
	int rc = 0;

	if (jp_eval(cx, n->a, cur, &left) != 0)
		return -1;
	if (!json_is_array(left)) {
		json_decref(left);
		*out = json_null();
		return 0;
	}
	if ((list = json_array()) == NULL) {
		json_decref(left);
		return jp_oom(cx);
	}
	json_array_foreach(left, i, v)
	{
		rc = json_is_array(v) ? json_array_extend(list, v)
				      : json_array_append(list, v);
		if (rc != 0)
			break;
	}
	json_decref(left);
	if (rc != 0) {
		json_decref(list);
		return jp_oom(cx);
	}
	*out = list;
	return 0;
}

static int eval_cmp(struct ectx *cx, const struct node *n, json_t *cur,
		    json_t **out)
{
	json_t *l, *r;
	if (jp_eval(cx, n->a, cur, &l) != 0)
		return -1;
	if (jp_eval(cx, n->b, cur, &r) != 0) {
		json_decref(l);
		return -1;
	}
	if (n->op == T_EQ || n->op == T_NE) {
		*out = json_boolean(jp_equal(l, r) == (n->op == T_EQ));
	} else if (!json_is_number(l) || !json_is_number(r)) {
		/* Ordering is defined for numbers only. */
		*out = json_null();
	} else {
		int c = jp_num_cmp(l, r);
		bool v = n->op == T_LT	 ? c < 0
			 : n->op == T_LE ? c <= 0
			 : n->op == T_GT ? c > 0
					 : c >= 0;
		*out = json_boolean(v);
	}
	json_decref(l);
	json_decref(r);
	return 0;
}

static int eval_multi(struct ectx *cx, const struct node *n, json_t *cur,
		      json_t **out)
{
	if (json_is_null(cur)) {
		*out = json_null();
		return 0;
	}
	json_t *r = n->type == N_MLIST ? json_array() : json_object();
	if (r == NULL)
		return jp_oom(cx);
	for (size_t i = 0; i < n->n_kids; i++) {
		json_t *v;
		int rc;
		if (jp_eval(cx, n->kids[i], cur, &v) != 0) {
			json_decref(r);
			return -1;
		}
		rc = n->type == N_MLIST ? json_array_append_new(r, v)
					: json_object_set_new(r, n->keys[i], v);
		if (rc != 0) {
			json_decref(r);
			return jp_oom(cx);
		}
	}
	*out = r;
	return 0;
}

static int eval_func(struct ectx *cx, const struct node *n, json_t *cur,
		     json_t **out)
{
	struct arg args[16], *a = args;
	size_t i;
	int rc = 0;

	if (n->n_kids > sizeof args / sizeof args[0] &&
	    (a = calloc(n->n_kids, sizeof *a)) == NULL)
		return jp_oom(cx);
	for (i = 0; i < n->n_kids; i++) {
		const struct node *k = n->kids[i];
		a[i].expref = NULL;
		a[i].v = NULL;
		if (k->type == N_EXPREF)
			a[i].expref = k->a;
		else if ((rc = jp_eval(cx, k, cur, &a[i].v)) != 0)
			break;
	}
	if (rc == 0) {
		const char *outer = cx->fn;
		cx->fn = n->fn->name;
		rc = n->fn->fn(cx, a, n->n_kids, out);
		cx->fn = outer;
	}
	for (size_t j = 0; j < i; j++)
		json_decref(a[j].v);
	if (a != args)
		free(a);
	return rc;
}

int jp_eval(struct ectx *cx, const struct node *n, json_t *cur, json_t **out)
{
	json_t *l, *v;

	switch (n->type) {
	case N_CURRENT:
		*out = json_incref(cur);
		return 0;
	case N_FIELD:
		v = json_is_object(cur) ? json_object_get(cur, n->name) : NULL;
		*out = v ? json_incref(v) : json_null();
		return 0;
	case N_SUB:
	case N_PIPE: {
		if (jp_eval(cx, n->a, cur, &l) != 0)
			return -1;
		int rc = jp_eval(cx, n->b, l, out);
		json_decref(l);
		return rc;
	}
	case N_INDEX: {
		long long i = n->num[0];
		long long len =
		    json_is_array(cur) ? (long long)json_array_size(cur) : 0;
		if (i < 0)
			i += len;
		v = i >= 0 && i < len ? json_array_get(cur, (size_t)i) : NULL;
		*out = v ? json_incref(v) : json_null();
		return 0;
	}
	case N_SLICE:
		return eval_slice(cx, n, cur, out);
	case N_PROJECT:
	case N_VPROJECT:
	case N_FILTER:
		return eval_projection(cx, n, cur, out);
	case N_FLATTEN:
		return eval_flatten(cx, n, cur, out);
	case N_CMP:
		return eval_cmp(cx, n, cur, out);
	case N_AND:
	case N_OR:
		if (jp_eval(cx, n->a, cur, &l) != 0)
			return -1;
		if (truthy(l) == (n->type == N_OR)) {
			*out = l;
			return 0;
		}
		json_decref(l);
		return jp_eval(cx, n->b, cur, out);
	case N_NOT:
		if (jp_eval(cx, n->a, cur, &l) != 0)
			return -1;
		*out = json_boolean(!truthy(l));
		json_decref(l);
		return 0;
	case N_LITERAL:
		*out = json_incref(n->literal);
		return 0;
	case N_MLIST:
	case N_MHASH:
		return eval_multi(cx, n, cur, out);
	case N_FUNC:
		return eval_func(cx, n, cur, out);
	case N_EXPREF:
		return jp_eerr(cx, "invalid type: an expression reference (&) "
				   "can only be a function argument");
	}
	return jp_eerr(cx, "internal error: unknown node");
}

int jmespath_search(const struct jmespath *jp, json_t *data, json_t **result,
		    char *errmsg, size_t errlen)
{
	struct ectx cx = {.err = errmsg, .errlen = errlen};
	*result = NULL;
	return jp_eval(&cx, jp->root, data ? data : json_null(), result);
}
