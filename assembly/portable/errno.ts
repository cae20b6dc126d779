// Shared by assembly/ and src/ (portable: integer constants only). Engine functions return these negated, as the
// kernel does (-ENOMEM, -EFAULT, ...); src/errors.ts turns them into a ResumeError naming the phase. The file-system
// errors (ENOENT, EACCES, EFBIG, EROFS, EDQUOT, ...) are the host's, writing outputs such as a memory dump.

export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const ENXIO = 6;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const ELOOP = 40;
export const ENODATA = 61;
export const EBADMSG = 74;
export const EOVERFLOW = 75;
export const ESTALE = 116;
export const EDQUOT = 122;
