/*
 * perm.js -- what the signed-in user may do: the "permissions" of
 * GET /api/v1/me (and of the login's answer), the route table resolved
 * for the user's role, as "METHOD /api/v1/path" with the documented path
 * ("PATCH /api/v1/enterprises/{id}").  The server decides; this only keeps
 * the browser from offering what the server would refuse.
 */

/* May user call op ("GET /api/v1/visits")? */
export function can(user, op) {
  return Boolean(user && Array.isArray(user.permissions) && user.permissions.includes(op));
}

/* May user call every one of ops? */
export function canAll(user, ops) {
  return ops.every((op) => can(user, op));
}
