/** The admin routes' shapes: the user routes' own, with the owner named. */
import * as z from "zod/mini";
import { ListUploadsQuery, TicketView } from "./tickets.js";

/** An owner: the `sub` of the user's tokens. */
const Owner = z.string().check(z.minLength(1), z.maxLength(1024));

export const AdminListUploadsQuery = z.strictObject({ ...ListUploadsQuery.shape, owner: Owner });
export type AdminListUploadsQuery = z.infer<typeof AdminListUploadsQuery>;

export const AdminOwnerQuery = z.strictObject({ owner: Owner });

/** A ticket view with its owner. */
export const AdminTicketView = z.object({ ...TicketView.shape, owner: z.string() });
export type AdminTicketView = z.infer<typeof AdminTicketView>;
