import { z } from 'zod';

// The page's content policy allows no eval (security/page-headers.ts), so zod cannot compile its fast object parsers
// here anyway. Said up front, zod makes no probe for it: a `new Function` the policy refuses and reports as a
// violation, tens of ms of a busy machine's start-up. Parsing is the same.
z.config({ jitless: true });
