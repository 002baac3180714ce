/* SPDX-License-Identifier: ISC */
/*
 * error.c -- text for relaybl's error codes
 *
 * RB_* codes are negated errnos where one fits, so anything that is not
 * one of our own falls through to strerror().
 */
#include <string.h>

#include "db.h"

const char *
rb_strerror(int code)
{
	switch (code) {
	case RB_OK:		return "success";
	case RB_ENOENT:		return "not found";
	case RB_EINVAL:		return "invalid argument";
	case RB_EEXIST:		return "already in that state";
	case RB_EAGAIN:		return "too soon, try again later";
	case RB_ESPACE:		return "store is full and cannot grow";
	case RB_EACCES:		return "permission denied or store read-only";
	case RB_ERANGE:		return "value out of range";
	case RB_EDB:		return "store error";
	case RB_ECORRUPT:	return "store record is corrupt";
	case RB_EVERSION:	return "store was written by a newer relaybl "
				    "(schema version too new)";
	case RB_EEXCLUDED:	return "host is excluded by the operator";
	case RB_ESTATE:		return "not allowed in the host's state";
	default:
		return code < 0 ? strerror(-code) : "unknown error";
	}
}
