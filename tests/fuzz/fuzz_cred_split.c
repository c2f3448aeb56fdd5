/*
 * fuzz_cred_split.c - libFuzzer target: the credential_process splitter
 * (hw_aws_split_command, src/aws/creds.c) against a reference split.
 *
 * The reference below is written separately, as a character-at-a-time
 * state machine after Python's shlex.split in POSIX mode (what the AWS
 * CLI uses): blanks are space, tab, CR and LF; '...' keeps everything;
 * "..." keeps everything but a backslash before " or \; outside quotes
 * a backslash keeps the next character.  For every input both must fail
 * alike or give the same words; a difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_int.h"

enum state { BLANK, WORD, SQUOTE, DQUOTE };

/* words: "\0"-separated into out; returns the count, or -1 on error. */
static int reference_split(const char *s, char *out, size_t *outlen)
{
    enum state st = BLANK;
    size_t o = 0;
    int words = 0;
    for (size_t i = 0;; i++) {
        char c = s[i];
        int blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        switch (st) {
        case BLANK:
        case WORD:
            if (c == '\0') {
                if (st == WORD)
                    out[o++] = '\0';
                *outlen = o;
                return words;
            }
            if (blank) {
                if (st == WORD)
                    out[o++] = '\0';
                st = BLANK;
                break;
            }
            if (st == BLANK)
                words++;
            st = WORD;
            if (c == '\'')
                st = SQUOTE;
            else if (c == '"')
                st = DQUOTE;
            else if (c == '\\') {
                if (s[i + 1] == '\0')
                    return -1;
                out[o++] = s[++i];
            } else
                out[o++] = c;
            break;
        case SQUOTE:
            if (c == '\0')
                return -1;
            if (c == '\'')
                st = WORD;
            else
                out[o++] = c;
            break;
        case DQUOTE:
            if (c == '\0')
                return -1;
            if (c == '"')
                st = WORD;
            else if (c == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
                out[o++] = s[++i];
            else
                out[o++] = c;
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *cmd = malloc(size + 1);
    char *ref = malloc(size + 1);
    if (!cmd || !ref)
        abort();
    memcpy(cmd, data, size);
    cmd[size] = '\0'; /* a command is a C string: it ends at the first NUL */
    size_t reflen = 0;
    int nref = reference_split(cmd, ref, &reflen);
    const char *why = NULL;
    char **argv = hw_aws_split_command(cmd, &why);
    if (nref <= 0) {
        /* an error, or no word at all ("empty command") */
        if (argv || !why) {
            fprintf(stderr, "splitter accepted what the reference refuses: [%s]\n", cmd);
            abort();
        }
    } else {
        if (!argv) {
            fprintf(stderr, "splitter refused (%s) what the reference splits: [%s]\n", why, cmd);
            abort();
        }
        size_t o = 0;
        int k = 0;
        for (; argv[k]; k++) {
            if (k >= nref || strcmp(argv[k], ref + o) != 0) {
                fprintf(stderr, "word %d differs: [%s] vs reference [%s] in [%s]\n", k, argv[k],
                        k < nref ? ref + o : "(none)", cmd);
                abort();
            }
            o += strlen(ref + o) + 1;
        }
        if (k != nref) {
            fprintf(stderr, "%d words, the reference %d: [%s]\n", k, nref, cmd);
            abort();
        }
    }
    free(argv);
    free(cmd);
    free(ref);
    return 0;
}
