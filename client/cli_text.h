/* cli_text — the AWS CLI's "text" output format (`--output text`) for a
 * response document: tab-separated values, one line per object.
 *
 * The rules (as the AWS CLI documents and prints them):
 *   - an object prints its scalar members on one line, in key order,
 *     separated by tabs, the line prefixed by the member name it came
 *     from in upper case (nothing for the top-level document); then each
 *     member that is an object or a list, in key order, the same way;
 *   - a list of objects prints each object as above, every line with the
 *     same columns: the scalar keys of all the objects in the list, in
 *     key order, empty where an object lacks one;
 *   - a list of scalars prints one line: the upper-case name, then the
 *     values;
 *   - strings as they are, numbers in decimal, booleans True / False,
 *     null None (Python's spelling, which the AWS CLI prints). */
#ifndef STRATUS_CLI_TEXT_H
#define STRATUS_CLI_TEXT_H

#include <jansson.h>
#include <stdio.h>

/* Write doc (borrowed) to out in the text format. */
void cli_text_write(const json_t *doc, FILE *out);

#endif
