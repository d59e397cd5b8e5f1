/* query_model — the AWS Query-protocol service models http_query.c reads:
 * per service, its operations (input/output shapes), the shapes (structures
 * with the Query names of their members, lists, maps, scalars) and its
 * error codes. The tables are generated from botocore's models by
 * scripts/gen-query-model.py (sqs_query_model.c); they are const data only.
 *
 * Naming rules (botocore's QuerySerializer / QueryParser, which the
 * generator resolves per member so the codec needs no shape lookups):
 * - a structure member is named qname (locationName, else its JSON name);
 * - a flattened list member repeats its elements as <list.member_name> when
 *   the list names its member (Query key: that name replaces the member's
 *   last path component: AttributeNames -> AttributeName.N), else as qname
 *   (qname.N); a non-flattened list nests them: qname.member.N or
 *   qname.<member_name>.N, <qname><member>..</member></qname>;
 * - a flattened map is qname.N.<key_name> / qname.N.<value_name>, repeated
 *   <qname><Name>..</Name><Value>..</Value></qname>; non-flattened adds
 *   ".entry" / <entry>. */
#ifndef STRATUS_QUERY_MODEL_H
#define STRATUS_QUERY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUERY_NO_SHAPE 0xffff

enum query_type {
	QT_STRING,
	QT_INTEGER, /* JSON integer; Query decimal text */
	QT_LONG,
	QT_BOOLEAN, /* "true" / "false" */
	QT_BLOB,    /* base64 text in both protocols */
	QT_TIMESTAMP,
	QT_DOUBLE,
	QT_STRUCT,
	QT_LIST,
	QT_MAP,
};

struct query_member {
	const char *name;  /* JSON member name ("MessageAttributes") */
	const char *qname; /* Query/XML name ("MessageAttribute"); NULL: name */
	uint16_t shape;	   /* index into the service's shapes */
	bool flattened;	   /* effective: member or shape trait */
};

struct query_shape {
	uint8_t type;	/* enum query_type */
	bool flattened; /* list/map: the shape's own trait */
	uint16_t first; /* structure: members[first .. first + n) */
	uint16_t n;
	uint16_t member;	 /* list: element shape; map: key shape */
	uint16_t value;		 /* map: value shape */
	const char *member_name; /* list: element name or NULL; map: key name */
	const char *value_name;	 /* map: value name */
};

struct query_operation {
	const char *name;    /* "SendMessage" */
	uint16_t input;	     /* shape index or QUERY_NO_SHAPE */
	uint16_t output;     /* shape index or QUERY_NO_SHAPE */
	const char *wrapper; /* "SendMessageResult", NULL without output */
};

struct query_error {
	const char *code;	/* JSON-protocol code ("QueueDoesNotExist") */
	const char *query_code; /* "AWS.SimpleQueueService.NonExistentQueue" */
	int status;		/* HTTP status */
	bool sender_fault;
};

struct query_service {
	const char *name;	   /* "sqs" */
	const char *version;	   /* "2012-11-05" */
	const char *xml_namespace; /* xmlns of every response */
	/* Input member filled from the request path when the request lacks
	 * it (SQS: QueueUrl, for SDKs that post to the queue URL), or NULL. */
	const char *path_member;
	const struct query_member *members;
	size_t n_members;
	const struct query_shape *shapes;
	size_t n_shapes;
	const struct query_operation *operations; /* sorted by name */
	size_t n_operations;
	const struct query_error *errors;
	size_t n_errors;
};

extern const struct query_service query_model_sqs;

/* The services the Query codec knows, NULL-terminated (http_query.c). */
extern const struct query_service *const query_services[];

#endif
