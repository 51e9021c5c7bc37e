/**
 * Generated from the API's OpenAPI document by `npm run openapi -w web` (web/scripts/openapi.ts).
 * Do not edit: change the API's route schemas and regenerate (a unit test fails when this is stale).
 */

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness check (no token needed) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness check: the database, blob store and Temporal answer (no token needed) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            ok: true;
                            checks: {
                                [key: string]: "ok" | string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            ok: false;
                            checks: {
                                [key: string]: "ok" | string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics: stages and runs by state, task queue backlog, activity and stage durations (no token needed) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The Prometheus text exposition format (0.0.4) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/architectures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Model architectures per task */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            task: string;
                            /** @description How the task is named for people. */
                            title: string;
                            /** @description Used when a node names no architecture. */
                            default: string | null;
                            options: {
                                id: string;
                                description: string;
                            }[];
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign in with email and password: starts a browser session (httpOnly cookie) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: {
                                id: string;
                                email: string;
                                name: string;
                                /** @enum {string} */
                                role: "admin" | "user";
                                disabled: boolean;
                                /** Format: date-time */
                                createdAt: string;
                                lastSeenAt: string | null;
                            };
                            /** @description Send it as the x-csrf-token header with every request that changes something. */
                            csrfToken: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign out: ends this browser session */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/links/inspect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** What an invitation or password-reset link is for (the page shows it before asking for a password) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The secret after “#” in the link */
                        secret: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            kind: "invite" | "reset";
                            email: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign up with an invitation link: creates the account and signs in */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The secret after “#” in the link */
                        secret: string;
                        name: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: {
                                id: string;
                                email: string;
                                name: string;
                                /** @enum {string} */
                                role: "admin" | "user";
                                disabled: boolean;
                                /** Format: date-time */
                                createdAt: string;
                                lastSeenAt: string | null;
                            };
                            /** @description Send it as the x-csrf-token header with every request that changes something. */
                            csrfToken: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Choose a new password with a reset link: ends every other session and signs in */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The secret after “#” in the link */
                        secret: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: {
                                id: string;
                                email: string;
                                name: string;
                                /** @enum {string} */
                                role: "admin" | "user";
                                disabled: boolean;
                                /** Format: date-time */
                                createdAt: string;
                                lastSeenAt: string | null;
                            };
                            /** @description Send it as the x-csrf-token header with every request that changes something. */
                            csrfToken: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user, the session’s CSRF token, and where the Temporal UI is */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            /**
                             * @description How this request signed in
                             * @enum {string}
                             */
                            via: "session" | "token";
                            csrfToken: string | null;
                            /** @description Where the operators’ Temporal UI shows the workflows behind runs and stages. */
                            temporal: {
                                namespace: string;
                                uiUrl: string | null;
                            };
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change your display name */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Change your password (needs the current one); ends your other sessions */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        currentPassword: string;
                        newPassword: string;
                    };
                };
            };
            responses: {
                /** @description Changed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your API tokens (names and dates; the secrets are never shown again) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** Format: date-time */
                            createdAt: string;
                            lastUsedAt: string | null;
                            expiresAt: string | null;
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an API token for scripts and tools: the secret is in this answer only */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description What it is for, e.g. “CI uploads” */
                        name: string;
                        /** @description Omitted: it never expires */
                        expiresInDays?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** Format: date-time */
                            createdAt: string;
                            lastUsedAt: string | null;
                            expiresAt: string | null;
                            /** @description Send as "Authorization: Bearer <token>". Shown once: store it now. */
                            token: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API token: it stops working at once */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every user, with what they use */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            disabled: boolean;
                            /** Format: date-time */
                            createdAt: string;
                            lastSeenAt: string | null;
                            usage: {
                                datasets: number;
                                /** @description Images across the uploaded (not derived) datasets */
                                images: number;
                                flowcharts: number;
                                runs: number;
                                /** @description Queued, running or waiting for a retry */
                                activeRuns: number;
                                models: number;
                                /** @description Datasets, models and flowcharts shared publicly */
                                publicThings: number;
                                /** @description Time stages spent from start to end (or until now), in hours */
                                stageHours: number;
                                /** @description Size of the deployment bundles kept */
                                bundleBytes: number;
                            };
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an account with a password you hand over (or invite them instead: POST /api/admin/invitations) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description An email address (the sign-in name) */
                        email: string;
                        name: string;
                        /** @enum {string} */
                        role: "admin" | "user";
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            disabled: boolean;
                            /** Format: date-time */
                            createdAt: string;
                            lastSeenAt: string | null;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change a user’s role or name, or disable (sessions and tokens stop at once; data stays) or enable them */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @enum {string} */
                        role?: "admin" | "user";
                        disabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            disabled: boolean;
                            /** Format: date-time */
                            createdAt: string;
                            lastSeenAt: string | null;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/admin/users/{id}/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A one-time link (valid 24 h) with which the user chooses a new password */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            kind: "invite" | "reset";
                            email: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            expiresAt: string;
                            /** @description Only when just created: the link to hand over (shown once) */
                            url?: string;
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Invitation and reset links not used yet and not expired */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            kind: "invite" | "reset";
                            email: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            expiresAt: string;
                            /** @description Only when just created: the link to hand over (shown once) */
                            url?: string;
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Invite someone: a one-time sign-up link (valid 7 days) for this email and role */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description An email address (the sign-in name) */
                        email: string;
                        /** @enum {string} */
                        role: "admin" | "user";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            kind: "invite" | "reset";
                            email: string;
                            /** @enum {string} */
                            role: "admin" | "user";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            expiresAt: string;
                            /** @description Only when just created: the link to hand over (shown once) */
                            url?: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/invitations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Withdraw an invitation or reset link */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Withdrawn */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your datasets and the public ones, newest first */
        get: {
            parameters: {
                query?: {
                    /** @description `all` (default): yours and the public ones; `mine`: only yours; `public`: only public ones (anyone’s, yours included). */
                    scope?: "all" | "mine" | "public";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /**
                             * @description `validating` until the ingest workflow has checked and normalized the upload.
                             * @enum {string}
                             */
                            status: "uploading" | "validating" | "ready" | "invalid";
                            format: string | null;
                            /** @description The labels found in the dataset (sorted). */
                            classes: string[];
                            /** @description Formats GET /datasets/{id}/export can write this dataset in (only once ready): COCO and YOLO for detection and segmentation, folders for classification. */
                            exports: ("coco" | "yolo" | "folders")[];
                            stats: unknown | null;
                            problems: ({
                                file?: string;
                                line?: number;
                                /** @description What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/datasets-spec); clients translate it. Absent on problems recorded before codes existed. */
                                code?: string;
                                /** @description The values `message` interpolates (file names, counts, limits, found and expected values), by name, for a translated sentence. */
                                params?: {
                                    [key: string]: string | number;
                                };
                                /** @description The problem in English, naming what to fix. */
                                message: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                            report: unknown | null;
                            progress: {
                                /** @description extract | check | store */
                                phase: string;
                                done: number;
                                total: number;
                            } | null;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            /** @description True when the caller owns the dataset. */
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            parentDatasetId: string | null;
                            sourceRunId: string | null;
                            sourceNodeId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Upload a dataset zip
         * @description multipart/form-data with the fields `name` (optional, default: the file name) and `format` (optional: classification | detection; detected otherwise), then the file part `file` (.zip). The zip is stored as it arrives and checked by the ingest workflow: poll GET /api/datasets/{id} until the status is `ready` or `invalid`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            status: "validating";
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/datasets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A dataset: status, format, classes, stats and the validation problems */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /**
                             * @description `validating` until the ingest workflow has checked and normalized the upload.
                             * @enum {string}
                             */
                            status: "uploading" | "validating" | "ready" | "invalid";
                            format: string | null;
                            /** @description The labels found in the dataset (sorted). */
                            classes: string[];
                            /** @description Formats GET /datasets/{id}/export can write this dataset in (only once ready): COCO and YOLO for detection and segmentation, folders for classification. */
                            exports: ("coco" | "yolo" | "folders")[];
                            stats: unknown | null;
                            problems: ({
                                file?: string;
                                line?: number;
                                /** @description What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/datasets-spec); clients translate it. Absent on problems recorded before codes existed. */
                                code?: string;
                                /** @description The values `message` interpolates (file names, counts, limits, found and expected values), by name, for a translated sentence. */
                                params?: {
                                    [key: string]: string | number;
                                };
                                /** @description The problem in English, naming what to fix. */
                                message: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                            report: unknown | null;
                            progress: {
                                /** @description extract | check | store */
                                phase: string;
                                done: number;
                                total: number;
                            } | null;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            /** @description True when the caller owns the dataset. */
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            parentDatasetId: string | null;
                            sourceRunId: string | null;
                            sourceNodeId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete one of your datasets and its files */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Rename a dataset, or make it public (everyone can see and use it) or private again */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @enum {string} */
                        visibility?: "private" | "public";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /**
                             * @description `validating` until the ingest workflow has checked and normalized the upload.
                             * @enum {string}
                             */
                            status: "uploading" | "validating" | "ready" | "invalid";
                            format: string | null;
                            /** @description The labels found in the dataset (sorted). */
                            classes: string[];
                            /** @description Formats GET /datasets/{id}/export can write this dataset in (only once ready): COCO and YOLO for detection and segmentation, folders for classification. */
                            exports: ("coco" | "yolo" | "folders")[];
                            stats: unknown | null;
                            problems: ({
                                file?: string;
                                line?: number;
                                /** @description What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/datasets-spec); clients translate it. Absent on problems recorded before codes existed. */
                                code?: string;
                                /** @description The values `message` interpolates (file names, counts, limits, found and expected values), by name, for a translated sentence. */
                                params?: {
                                    [key: string]: string | number;
                                };
                                /** @description The problem in English, naming what to fix. */
                                message: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                            report: unknown | null;
                            progress: {
                                /** @description extract | check | store */
                                phase: string;
                                done: number;
                                total: number;
                            } | null;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            /** @description True when the caller owns the dataset. */
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            parentDatasetId: string | null;
                            sourceRunId: string | null;
                            sourceNodeId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/datasets/{id}/samples": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page of a ready dataset's images with their labels (class, boxes) and image URLs */
        get: {
            parameters: {
                query: {
                    offset: number;
                    limit: number;
                    split?: "train" | "val" | "test";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Images matching the filter */
                            total: number;
                            items: {
                                path: string;
                                width: number;
                                height: number;
                                split: string;
                                /** @description Classification datasets: the image class */
                                class?: string;
                                /** @description Detection and text detection: pixel boxes, xyxy (text detection: the label is the text) */
                                boxes?: {
                                    x1: number;
                                    y1: number;
                                    x2: number;
                                    y2: number;
                                    label: string;
                                }[];
                                /** @description Segmentation (label = class) and text detection (label = the text) */
                                polygons?: {
                                    /** @description Clockwise, in image pixels */
                                    points: [
                                        number,
                                        number
                                    ][];
                                    label: string;
                                }[];
                                /** @description Text recognition: the text in the image */
                                text?: string;
                                /** @description Enhancement: the target image’s path */
                                target?: string;
                                /** @description Where the image is served (same authentication) */
                                url: string;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/datasets/{id}/files/{*}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One image of a ready dataset (a path listed in its manifest) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    "*": string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The image */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": string;
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/datasets/{id}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a ready dataset in a format other tools read: COCO JSON or YOLO txt (detection, segmentation), one folder per class (classification) */
        get: {
            parameters: {
                query: {
                    to: "coco" | "yolo" | "folders";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The exported dataset, zipped */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": string;
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/flowcharts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your flowcharts (or the public templates), most recently changed first
         * @description Each with a thumbnail of its graph and your latest run's status, stage states and bundle.
         */
        get: {
            parameters: {
                query?: {
                    /** @description `mine` (default): your flowcharts; `public`: public templates; `all`: both. */
                    scope?: "all" | "mine" | "public";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            revision: number;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            /** @description The flowchart's boxes and connections, without their settings (malformed entries left out). */
                            graph: {
                                nodes: {
                                    id: string;
                                    /** @description `dataset` or a task type */
                                    type: string;
                                    /** @description The box's name (its label, else its id). */
                                    label: string;
                                    position: {
                                        x: number;
                                        y: number;
                                    };
                                }[];
                                edges: {
                                    source: string;
                                    target: string;
                                }[];
                            };
                            lastRun: {
                                id: string;
                                /** @enum {string} */
                                status: "queued" | "running" | "attention" | "succeeded" | "failed" | "cancelled";
                                /** Format: date-time */
                                createdAt: string;
                                /** @description Every stage of that run, `pending` until it starts. */
                                stages: {
                                    nodeId: string;
                                    /** @enum {string} */
                                    state: "pending" | "preparing" | "awaiting_labels" | "training" | "evaluating" | "registering" | "succeeded" | "failed" | "cancelled" | "skipped";
                                    progress: number;
                                }[];
                                /** @description True when its deployment bundle can be downloaded (GET /api/runs/{id}/bundle). */
                                bundle: boolean;
                            } | null;
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Save a new flowchart (drafts with problems are kept)
         * @description To copy a public template, GET it and POST its graph under a name of your own.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description Svelte Flow shape: {nodes: [{id, type, position, data}], edges: [{id, source, target}]}. */
                        graph: {
                            nodes: {
                                [key: string]: unknown;
                            }[];
                            edges: {
                                [key: string]: unknown;
                            }[];
                        } & {
                            [key: string]: unknown;
                        };
                        /** @enum {string} */
                        visibility?: "private" | "public";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            revision: number;
                            /** @description Empty when the flowchart can run; drafts may have problems. */
                            problems: {
                                /** @description What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/workflows); clients translate it. */
                                code: string;
                                nodeId?: string;
                                edgeId?: string;
                                /** @description The values `message` interpolates, by name, for a translated sentence: box and connection names (`node`, `edge`), class, dataset and model names, task ids (`task`, `modelTask` …), counts; lists (classes, the boxes of a loop) as arrays. `variant` names which wording of the code applies. */
                                params?: {
                                    [key: string]: string | number | string[];
                                };
                                /** @description The problem in English, naming what to fix. */
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/flowcharts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A flowchart with its graph and its current problems
         * @description Problems are judged for the caller: a public template naming its owner’s private dataset has a problem for anyone else.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            revision: number;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            /** @description Svelte Flow shape: {nodes: [{id, type, position, data}], edges: [{id, source, target}]}. */
                            graph: {
                                nodes: {
                                    [key: string]: unknown;
                                }[];
                                edges: {
                                    [key: string]: unknown;
                                }[];
                            } & {
                                [key: string]: unknown;
                            };
                            /** @description Empty when the flowchart can run. */
                            problems: {
                                /** @description What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/workflows); clients translate it. */
                                code: string;
                                nodeId?: string;
                                edgeId?: string;
                                /** @description The values `message` interpolates, by name, for a translated sentence: box and connection names (`node`, `edge`), class, dataset and model names, task ids (`task`, `modelTask` …), counts; lists (classes, the boxes of a loop) as arrays. `variant` names which wording of the code applies. */
                                params?: {
                                    [key: string]: string | number | string[];
                                };
                                /** @description The problem in English, naming what to fix. */
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Save a new revision of a flowchart */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @description Svelte Flow shape: {nodes: [{id, type, position, data}], edges: [{id, source, target}]}. */
                        graph: {
                            nodes: {
                                [key: string]: unknown;
                            }[];
                            edges: {
                                [key: string]: unknown;
                            }[];
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            revision: number;
                            /** @description Empty when the flowchart can run; drafts may have problems. */
                            problems: {
                                /** @description What is wrong, as a stable snake_case code (one of PROBLEM_CODES in @aip/workflows); clients translate it. */
                                code: string;
                                nodeId?: string;
                                edgeId?: string;
                                /** @description The values `message` interpolates, by name, for a translated sentence: box and connection names (`node`, `edge`), class, dataset and model names, task ids (`task`, `modelTask` …), counts; lists (classes, the boxes of a loop) as arrays. `variant` names which wording of the code applies. */
                                params?: {
                                    [key: string]: string | number | string[];
                                };
                                /** @description The problem in English, naming what to fix. */
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a flowchart (its runs, models and bundles stay) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Rename a flowchart, or share it as a public template (or make it private again)
         * @description Not a new revision: the graph is unchanged.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @enum {string} */
                        visibility?: "private" | "public";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            revision: number;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/flowcharts/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start training a flowchart (its current revision)
         * @description Validates and compiles the flowchart; a flowchart with problems answers 400 listing every one.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            workflowId: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your runs, newest first */
        get: {
            parameters: {
                query?: {
                    flowchartId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            flowchartId: string | null;
                            flowchartName: string | null;
                            flowchartRevision: number;
                            workflowId: string;
                            /**
                             * @description `attention`: a stage has failed and the run waits for it to be retried (or the run cancelled).
                             * @enum {string}
                             */
                            status: "queued" | "running" | "attention" | "succeeded" | "failed" | "cancelled";
                            error: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                            bundle: {
                                size: number;
                                sha256: string;
                            } | null;
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run: status, stages (with progress and metrics) and its bundle */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            flowchartId: string | null;
                            flowchartName: string | null;
                            flowchartRevision: number;
                            workflowId: string;
                            /**
                             * @description `attention`: a stage has failed and the run waits for it to be retried (or the run cancelled).
                             * @enum {string}
                             */
                            status: "queued" | "running" | "attention" | "succeeded" | "failed" | "cancelled";
                            error: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                            bundle: {
                                size: number;
                                sha256: string;
                            } | null;
                            metrics: unknown | null;
                            /** @description The flowchart graph as it was when the run started. */
                            graph: {
                                nodes: {
                                    [key: string]: unknown;
                                }[];
                                edges: {
                                    [key: string]: unknown;
                                }[];
                            } & {
                                [key: string]: unknown;
                            };
                            /** @description Every stage of the run in plan order; `pending` until it starts. */
                            stages: {
                                nodeId: string;
                                name: string;
                                task: string;
                                /** @enum {string} */
                                state: "pending" | "preparing" | "awaiting_labels" | "training" | "evaluating" | "registering" | "succeeded" | "failed" | "cancelled" | "skipped";
                                progress: number;
                                message: string | null;
                                progressDetail: unknown | null;
                                /** @description Each finished epoch's trainer event (epoch, loss, metric, metricName): the training curves. */
                                epochs: unknown[];
                                /** @description Each state the stage entered and when; a failure carries its error. */
                                timeline: {
                                    state: string;
                                    /** Format: date-time */
                                    at: string;
                                    message?: string;
                                }[];
                                metrics: unknown | null;
                                modelId: string | null;
                                datasetId: string | null;
                                userError: boolean | null;
                                labelingJobId: string | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a run (its stages stop at their next checkpoint) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            status: "cancelling";
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/stages/{nodeId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a failed stage of a run that waits for it (status `attention`)
         * @description Runs the stage again from the start; the run is `running` again and goes on once the stage succeeds. 409 when the stage has not failed or the run does not wait for it.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    nodeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            nodeId: string;
                            /** @enum {string} */
                            status: "retrying";
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/bundle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the deployment bundle (zip) of a finished run
         * @description Where bundles live in S3 this answers 302 with a presigned link (valid for a few minutes) so the download does not pass through the API; follow the redirect (curl -L). Elsewhere the zip itself.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The bundle zip */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": string;
                    };
                };
                /** @description The bundle is in S3: Location holds a short-lived presigned link to it */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/zip": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/bundle/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Where to download a finished run's bundle from
         * @description direct: a presigned link to the store (S3) that works without credentials until expiresAt; otherwise url is this API's own download route, which needs the caller's credentials.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            url: string;
                            /** @description true: a presigned link straight to the store */
                            direct: boolean;
                            expiresAt: string | null;
                            filename: string;
                            size: number;
                            sha256: string;
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/stages/{nodeId}/log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A stage's training log (the trainer's output, progress events included) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    nodeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The log, as plain text */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/stages/{nodeId}/samples": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Sample predictions of a stage's model on held-out images, with their ground truth */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    nodeId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                path: string;
                                width: number;
                                height: number;
                                /** @description The image (same authentication) */
                                url: string;
                                truth: unknown;
                                prediction: unknown;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your models and the public ones, newest first, with their metrics, owner and origin
         * @description Public models are everyone’s choices for “reuse” and “initial weights” in flowcharts.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only models of this task */
                    task?: string;
                    /** @description `all` (default): yours and the public ones; `mine`: only yours; `public`: only public ones (anyone’s, yours included). */
                    scope?: "all" | "mine" | "public";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            task: string;
                            arch: string;
                            classes: string[];
                            parentClass: string | null;
                            metrics: unknown | null;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            origin: {
                                /** @description run | upload | refinery */
                                kind: string;
                                runId: string | null;
                                nodeId: string | null;
                                refineryTaskId: string | null;
                                initModelId: string | null;
                            };
                            refineryTaskId: string | null;
                            /**
                             * @description Uploaded models are checked first; platform-made models are ready.
                             * @enum {string}
                             */
                            status: "validating" | "ready" | "invalid";
                            /**
                             * @description aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.
                             * @enum {string}
                             */
                            format: "aip" | "weights" | "torchscript" | "onnx";
                            input: {
                                /** @description [height, width] */
                                size: number[];
                                colorSpace: string;
                                range: number[];
                                mean: number[] | null;
                                std: number[] | null;
                            } | null;
                            report: ({
                                message: string;
                            } & {
                                [key: string]: unknown;
                            }) | null;
                            parameters: number | null;
                            /** @description Whether flowcharts can reuse it or start from its weights. */
                            usableInFlowcharts: boolean;
                            unusableReason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Upload a model (PyTorch weights of a registry architecture, TorchScript or ONNX)
         * @description multipart/form-data: the fields `name`, `format` (weights | torchscript | onnx), `task` (classification | segmentation | depth), `arch` (weights only: a registry architecture of the task), `classes` (a JSON array or one per line, in output order; segmentation: the classes after the background), `inputHeight`, `inputWidth`, `colorSpace` (RGB | BGR), `valueRange` (0-255 | 0-1), `mean`, `std` (optional, "a,b,c"), `visibility`; then the file part `file`. The model is checked by the trainer: poll GET /api/models/{id} until its status is `ready` or `invalid` (with a report). Whole pickled models and hub code are refused: they would run the uploader's Python on the platform.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: {
                                id: string;
                                name: string;
                                task: string;
                                arch: string;
                                classes: string[];
                                parentClass: string | null;
                                metrics: unknown | null;
                                /** @enum {string} */
                                visibility: "private" | "public";
                                owned: boolean;
                                /** @description Who it belongs to */
                                owner: {
                                    id: string;
                                    /** @description The owner’s display name (else their email’s local part) */
                                    name: string;
                                };
                                origin: {
                                    /** @description run | upload | refinery */
                                    kind: string;
                                    runId: string | null;
                                    nodeId: string | null;
                                    refineryTaskId: string | null;
                                    initModelId: string | null;
                                };
                                refineryTaskId: string | null;
                                /**
                                 * @description Uploaded models are checked first; platform-made models are ready.
                                 * @enum {string}
                                 */
                                status: "validating" | "ready" | "invalid";
                                /**
                                 * @description aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.
                                 * @enum {string}
                                 */
                                format: "aip" | "weights" | "torchscript" | "onnx";
                                input: {
                                    /** @description [height, width] */
                                    size: number[];
                                    colorSpace: string;
                                    range: number[];
                                    mean: number[] | null;
                                    std: number[] | null;
                                } | null;
                                report: ({
                                    message: string;
                                } & {
                                    [key: string]: unknown;
                                }) | null;
                                parameters: number | null;
                                /** @description Whether flowcharts can reuse it or start from its weights. */
                                usableInFlowcharts: boolean;
                                unusableReason: string | null;
                                /** Format: date-time */
                                createdAt: string;
                            };
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/models/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model: task, architecture, classes, parent class, metrics, origin, status and lineage */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            task: string;
                            arch: string;
                            classes: string[];
                            parentClass: string | null;
                            metrics: unknown | null;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            origin: {
                                /** @description run | upload | refinery */
                                kind: string;
                                runId: string | null;
                                nodeId: string | null;
                                refineryTaskId: string | null;
                                initModelId: string | null;
                            };
                            refineryTaskId: string | null;
                            /**
                             * @description Uploaded models are checked first; platform-made models are ready.
                             * @enum {string}
                             */
                            status: "validating" | "ready" | "invalid";
                            /**
                             * @description aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.
                             * @enum {string}
                             */
                            format: "aip" | "weights" | "torchscript" | "onnx";
                            input: {
                                /** @description [height, width] */
                                size: number[];
                                colorSpace: string;
                                range: number[];
                                mean: number[] | null;
                                std: number[] | null;
                            } | null;
                            report: ({
                                message: string;
                            } & {
                                [key: string]: unknown;
                            }) | null;
                            parameters: number | null;
                            /** @description Whether flowcharts can reuse it or start from its weights. */
                            usableInFlowcharts: boolean;
                            unusableReason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** @description The models it was made from (that the caller may see), with how. */
                            parents: {
                                id: string;
                                name: string;
                                /** @enum {string} */
                                role: "teacher" | "pruned_from" | "init";
                            }[];
                            /** @description The models made from it (that the caller may see), with how. */
                            children: {
                                id: string;
                                name: string;
                                /** @enum {string} */
                                role: "teacher" | "pruned_from" | "init";
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Rename a model, or make it public (everyone can reuse it or start from its weights) or private again */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @enum {string} */
                        visibility?: "private" | "public";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            task: string;
                            arch: string;
                            classes: string[];
                            parentClass: string | null;
                            metrics: unknown | null;
                            /** @enum {string} */
                            visibility: "private" | "public";
                            owned: boolean;
                            /** @description Who it belongs to */
                            owner: {
                                id: string;
                                /** @description The owner’s display name (else their email’s local part) */
                                name: string;
                            };
                            origin: {
                                /** @description run | upload | refinery */
                                kind: string;
                                runId: string | null;
                                nodeId: string | null;
                                refineryTaskId: string | null;
                                initModelId: string | null;
                            };
                            refineryTaskId: string | null;
                            /**
                             * @description Uploaded models are checked first; platform-made models are ready.
                             * @enum {string}
                             */
                            status: "validating" | "ready" | "invalid";
                            /**
                             * @description aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.
                             * @enum {string}
                             */
                            format: "aip" | "weights" | "torchscript" | "onnx";
                            input: {
                                /** @description [height, width] */
                                size: number[];
                                colorSpace: string;
                                range: number[];
                                mean: number[] | null;
                                std: number[] | null;
                            } | null;
                            report: ({
                                message: string;
                            } & {
                                [key: string]: unknown;
                            }) | null;
                            parameters: number | null;
                            /** @description Whether flowcharts can reuse it or start from its weights. */
                            usableInFlowcharts: boolean;
                            unusableReason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/models/{id}/onnx": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a model's ONNX file (raw pixels in, see docs/contracts.md) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The model.onnx file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/refinery/algorithms": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The refinery algorithms: what each does, which teachers it takes, its student and parameters */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            algorithms: {
                                id: string;
                                title: string;
                                description: string;
                                teachers: {
                                    min: number;
                                    max: number;
                                    tasks: string[];
                                    formats: string[];
                                    sameArch: boolean;
                                    formatReason: string | null;
                                };
                                /** @description teacher: the teachers' own arch; choose: any registry arch of `task` ('teacher': the teacher's task); fixed: always `arch`. */
                                student: {
                                    /** @enum {string} */
                                    kind: "teacher" | "choose" | "fixed";
                                    task?: string;
                                    arch?: string;
                                };
                                params: {
                                    name: string;
                                    title: string;
                                    /** @enum {string} */
                                    type: "int" | "float";
                                    min: number;
                                    max: number;
                                    default: number | null;
                                    step: number;
                                    help: string;
                                }[];
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/refinery/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your refinery tasks, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tasks: {
                                id: string;
                                name: string;
                                algorithm: string;
                                /** @enum {string} */
                                state: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                progress: number;
                                /** Format: date-time */
                                createdAt: string;
                                startedAt: string | null;
                                finishedAt: string | null;
                                outputModelId: string | null;
                                error: string | null;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a refinery task and start it
         * @description Teachers and the dataset must be yours or public, and ready. A request the catalogue refuses answers 400 `invalid_refinery_task` with every problem as `{field, code, params, message}` (field: name, algorithm, teacherIds, datasetId, studentArch, visibility, params.<name>; code: one of REFINERY_PROBLEM_CODES in @aip/workflows, for a client to translate with `params`, the values the English `message` fills in).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        algorithm: string;
                        teacherIds: string[];
                        datasetId: string;
                        studentArch?: string | null;
                        params?: {
                            [key: string]: unknown;
                        } | null;
                        visibility?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            task: {
                                id: string;
                                name: string;
                                algorithm: string;
                                /** @enum {string} */
                                state: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                progress: number;
                                /** Format: date-time */
                                createdAt: string;
                                startedAt: string | null;
                                finishedAt: string | null;
                                outputModelId: string | null;
                                error: string | null;
                                /** @description In the order given; a teacher the caller can no longer see is left out. */
                                teachers: {
                                    id: string;
                                    name: string;
                                    arch: string;
                                    task: string;
                                }[];
                                dataset: {
                                    id: string;
                                    name: string;
                                } | null;
                                studentArch: string | null;
                                params: unknown;
                                /** @enum {string} */
                                visibility: "private" | "public";
                                progressDetail: unknown | null;
                                /** @description Each phase the task entered (preparing, training, evaluating, registering, succeeded, failed, cancelled) and when. */
                                timeline: {
                                    state: string;
                                    /** Format: date-time */
                                    at: string;
                                    message?: string;
                                }[];
                                /** @description Each finished epoch's trainer event (epoch, loss, metric): the training curves. */
                                epochs: unknown[];
                                metrics: unknown | null;
                                userError: boolean | null;
                                outputModel: {
                                    id: string;
                                    name: string;
                                } | null;
                                workflowId: string | null;
                                attempt: number;
                            };
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/refinery/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A refinery task: state, progress, curves, metrics, teachers, dataset and output model */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            task: {
                                id: string;
                                name: string;
                                algorithm: string;
                                /** @enum {string} */
                                state: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                progress: number;
                                /** Format: date-time */
                                createdAt: string;
                                startedAt: string | null;
                                finishedAt: string | null;
                                outputModelId: string | null;
                                error: string | null;
                                /** @description In the order given; a teacher the caller can no longer see is left out. */
                                teachers: {
                                    id: string;
                                    name: string;
                                    arch: string;
                                    task: string;
                                }[];
                                dataset: {
                                    id: string;
                                    name: string;
                                } | null;
                                studentArch: string | null;
                                params: unknown;
                                /** @enum {string} */
                                visibility: "private" | "public";
                                progressDetail: unknown | null;
                                /** @description Each phase the task entered (preparing, training, evaluating, registering, succeeded, failed, cancelled) and when. */
                                timeline: {
                                    state: string;
                                    /** Format: date-time */
                                    at: string;
                                    message?: string;
                                }[];
                                /** @description Each finished epoch's trainer event (epoch, loss, metric): the training curves. */
                                epochs: unknown[];
                                metrics: unknown | null;
                                userError: boolean | null;
                                outputModel: {
                                    id: string;
                                    name: string;
                                } | null;
                                workflowId: string | null;
                                attempt: number;
                            };
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/refinery/tasks/{id}/log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The trainer's log of the task's latest attempt (404 while there is none) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The log */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/refinery/tasks/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a queued or running refinery task */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            state: "cancelling";
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/refinery/tasks/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a failed or cancelled refinery task again (its next attempt, from the start) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            attempt: number;
                            workflowId: string;
                            /** @enum {string} */
                            state: "queued";
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/atlas": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The model atlas: ready models of a scope, each with its nearest models by transferability
         * @description Distances are computed once per pair by the atlas workflow as models become ready (attribution maps over a shared probe set). Models not yet placed are listed with placement `pending`; those the atlas cannot place with the reason.
         */
        get: {
            parameters: {
                query?: {
                    /** @description `all` (default): yours and the public ones; `mine`: only yours; `public`: only public ones (anyone’s, yours included). */
                    scope?: "all" | "mine" | "public";
                    /** @description Only models trained or refined on this dataset. */
                    datasetId?: string;
                    /** @description `attribution` (default): 1 − mean cosine of the models’ attribution maps over the probe set; `depara`: the attribution graph (maps and the rank similarity of how each model relates the probes). */
                    metric?: "attribution" | "depara";
                    /** @description Neighbours per model (default 5). */
                    k?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            probeSet: string;
                            /**
                             * @description `attribution` (default): 1 − mean cosine of the models’ attribution maps over the probe set; `depara`: the attribution graph (maps and the rank similarity of how each model relates the probes).
                             * @enum {string}
                             */
                            metric: "attribution" | "depara";
                            k: number;
                            /** @description Models of this scope wait for their signature: poll again. */
                            updating: boolean;
                            nodes: {
                                model: {
                                    id: string;
                                    name: string;
                                    task: string;
                                    arch: string;
                                    classes: string[];
                                    parentClass: string | null;
                                    metrics: unknown | null;
                                    /** @enum {string} */
                                    visibility: "private" | "public";
                                    owned: boolean;
                                    /** @description Who it belongs to */
                                    owner: {
                                        id: string;
                                        /** @description The owner’s display name (else their email’s local part) */
                                        name: string;
                                    };
                                    origin: {
                                        /** @description run | upload | refinery */
                                        kind: string;
                                        runId: string | null;
                                        nodeId: string | null;
                                        refineryTaskId: string | null;
                                        initModelId: string | null;
                                    };
                                    refineryTaskId: string | null;
                                    /**
                                     * @description Uploaded models are checked first; platform-made models are ready.
                                     * @enum {string}
                                     */
                                    status: "validating" | "ready" | "invalid";
                                    /**
                                     * @description aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.
                                     * @enum {string}
                                     */
                                    format: "aip" | "weights" | "torchscript" | "onnx";
                                    input: {
                                        /** @description [height, width] */
                                        size: number[];
                                        colorSpace: string;
                                        range: number[];
                                        mean: number[] | null;
                                        std: number[] | null;
                                    } | null;
                                    report: ({
                                        message: string;
                                    } & {
                                        [key: string]: unknown;
                                    }) | null;
                                    parameters: number | null;
                                    /** @description Whether flowcharts can reuse it or start from its weights. */
                                    usableInFlowcharts: boolean;
                                    unusableReason: string | null;
                                    /** Format: date-time */
                                    createdAt: string;
                                };
                                dataset: {
                                    id: string;
                                    name: string;
                                } | null;
                                /**
                                 * @description placed: in the atlas; pending: waiting for its signature; unsupported / failed: the atlas cannot place it (see reason).
                                 * @enum {string}
                                 */
                                placement: "placed" | "pending" | "unsupported" | "failed";
                                reason: string | null;
                                /** @description Its nearest models in this scope, nearest first. */
                                neighbours: {
                                    id: string;
                                    /** @description 0: the models attribute alike (identical ones); 1: unrelated. */
                                    distance: number;
                                }[];
                            }[];
                            /** @description Each model to its k nearest, once per pair. */
                            links: {
                                source: string;
                                target: string;
                                /** @description 0: the models attribute alike (identical ones); 1: unrelated. */
                                distance: number;
                            }[];
                            lineage: {
                                parent: string;
                                child: string;
                                /** @enum {string} */
                                role: "teacher" | "pruned_from" | "init";
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/models/{id}/neighbours": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The models nearest to this one in the atlas (those you can see), nearest first */
        get: {
            parameters: {
                query?: {
                    /** @description `attribution` (default): 1 − mean cosine of the models’ attribution maps over the probe set; `depara`: the attribution graph (maps and the rank similarity of how each model relates the probes). */
                    metric?: "attribution" | "depara";
                    /** @description Neighbours per model (default 5). */
                    k?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description placed: in the atlas; pending: waiting for its signature; unsupported / failed: the atlas cannot place it (see reason).
                             * @enum {string}
                             */
                            placement: "placed" | "pending" | "unsupported" | "failed";
                            reason: string | null;
                            neighbours: {
                                model: {
                                    id: string;
                                    name: string;
                                    task: string;
                                    arch: string;
                                    classes: string[];
                                    parentClass: string | null;
                                    metrics: unknown | null;
                                    /** @enum {string} */
                                    visibility: "private" | "public";
                                    owned: boolean;
                                    /** @description Who it belongs to */
                                    owner: {
                                        id: string;
                                        /** @description The owner’s display name (else their email’s local part) */
                                        name: string;
                                    };
                                    origin: {
                                        /** @description run | upload | refinery */
                                        kind: string;
                                        runId: string | null;
                                        nodeId: string | null;
                                        refineryTaskId: string | null;
                                        initModelId: string | null;
                                    };
                                    refineryTaskId: string | null;
                                    /**
                                     * @description Uploaded models are checked first; platform-made models are ready.
                                     * @enum {string}
                                     */
                                    status: "validating" | "ready" | "invalid";
                                    /**
                                     * @description aip: written by the platform; weights: an uploaded state_dict of a registry arch; torchscript, onnx: uploaded, usable only as refinery teachers.
                                     * @enum {string}
                                     */
                                    format: "aip" | "weights" | "torchscript" | "onnx";
                                    input: {
                                        /** @description [height, width] */
                                        size: number[];
                                        colorSpace: string;
                                        range: number[];
                                        mean: number[] | null;
                                        std: number[] | null;
                                    } | null;
                                    report: ({
                                        message: string;
                                    } & {
                                        [key: string]: unknown;
                                    }) | null;
                                    parameters: number | null;
                                    /** @description Whether flowcharts can reuse it or start from its weights. */
                                    usableInFlowcharts: boolean;
                                    unusableReason: string | null;
                                    /** Format: date-time */
                                    createdAt: string;
                                };
                                /** @description 0: the models attribute alike (identical ones); 1: unrelated. */
                                distance: number;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/atlas/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ask the atlas workflow to place models that wait now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            started: boolean;
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** My labeling jobs, open ones first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                runId: string;
                                flowchartName: string | null;
                                nodeId: string;
                                stageName: string;
                                /** @enum {string} */
                                task: "classification" | "detection" | "segmentation" | "text_detection" | "text_recognition";
                                classes: string[];
                                /** @enum {string} */
                                state: "open" | "completed" | "cancelled";
                                total: number;
                                labeled: number;
                                datasetId: string;
                                outputDatasetId: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                completedAt: string | null;
                                /** @description Where an external tool posts labels, and the secret it signs them with (see the labeling webhook) */
                                webhook: {
                                    url: string;
                                    secret: string;
                                };
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A labeling job: its task, classes, progress and webhook */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            runId: string;
                            flowchartName: string | null;
                            nodeId: string;
                            stageName: string;
                            /** @enum {string} */
                            task: "classification" | "detection" | "segmentation" | "text_detection" | "text_recognition";
                            classes: string[];
                            /** @enum {string} */
                            state: "open" | "completed" | "cancelled";
                            total: number;
                            labeled: number;
                            datasetId: string;
                            outputDatasetId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            completedAt: string | null;
                            /** @description Where an external tool posts labels, and the secret it signs them with (see the labeling webhook) */
                            webhook: {
                                url: string;
                                secret: string;
                            };
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A labeling job's items, lowest confidence first */
        get: {
            parameters: {
                query: {
                    filter?: "all" | "unlabeled" | "labeled";
                    offset: number;
                    limit: number;
                };
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            total: number;
                            items: {
                                id: string;
                                index: number;
                                path: string;
                                width: number;
                                height: number;
                                /** @description The image (same authentication) */
                                url: string;
                                labels: unknown | null;
                                prelabel: {
                                    labels: unknown;
                                    confidence: number | null;
                                    /** @enum {string} */
                                    source: "model" | "upstream";
                                } | null;
                                confidence: number | null;
                                /** @description Send it back with a save: a save of an older version is refused */
                                version: number;
                                labeledAt: string | null;
                                assignedTo: string | null;
                                leaseUntil: string | null;
                                source: {
                                    path: string;
                                    box: {
                                        x1: number;
                                        y1: number;
                                        x2: number;
                                        y2: number;
                                    };
                                } | null;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/claim": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reserve unlabeled items to label (30 minutes), lowest confidence first; items the caller already holds come first */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        count?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                index: number;
                                path: string;
                                width: number;
                                height: number;
                                /** @description The image (same authentication) */
                                url: string;
                                labels: unknown | null;
                                prelabel: {
                                    labels: unknown;
                                    confidence: number | null;
                                    /** @enum {string} */
                                    source: "model" | "upstream";
                                } | null;
                                confidence: number | null;
                                /** @description Send it back with a save: a save of an older version is refused */
                                version: number;
                                labeledAt: string | null;
                                assignedTo: string | null;
                                leaseUntil: string | null;
                                source: {
                                    path: string;
                                    box: {
                                        x1: number;
                                        y1: number;
                                        x2: number;
                                        y2: number;
                                    };
                                } | null;
                            }[];
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Give back the items the caller holds (leaving the labeler), so others can take them at once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            released: number;
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/items/{itemId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One item of a labeling job */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                    itemId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            index: number;
                            path: string;
                            width: number;
                            height: number;
                            /** @description The image (same authentication) */
                            url: string;
                            labels: unknown | null;
                            prelabel: {
                                labels: unknown;
                                confidence: number | null;
                                /** @enum {string} */
                                source: "model" | "upstream";
                            } | null;
                            confidence: number | null;
                            /** @description Send it back with a save: a save of an older version is refused */
                            version: number;
                            labeledAt: string | null;
                            assignedTo: string | null;
                            leaseUntil: string | null;
                            source: {
                                path: string;
                                box: {
                                    x1: number;
                                    y1: number;
                                    x2: number;
                                    y2: number;
                                };
                            } | null;
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Save an item's labels (null: back to unlabeled)
         * @description Refused with 409 `item_changed` when `version` is not the item's current one (someone saved it since: load it again), 409 `item_leased` while another person holds it, 400 `invalid_labels` naming what is wrong.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                    itemId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        labels: unknown | null;
                        version: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            index: number;
                            path: string;
                            width: number;
                            height: number;
                            /** @description The image (same authentication) */
                            url: string;
                            labels: unknown | null;
                            prelabel: {
                                labels: unknown;
                                confidence: number | null;
                                /** @enum {string} */
                                source: "model" | "upstream";
                            } | null;
                            confidence: number | null;
                            /** @description Send it back with a save: a save of an older version is refused */
                            version: number;
                            labeledAt: string | null;
                            assignedTo: string | null;
                            leaseUntil: string | null;
                            source: {
                                path: string;
                                box: {
                                    x1: number;
                                    y1: number;
                                    x2: number;
                                    y2: number;
                                };
                            } | null;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/items/{itemId}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An item's image */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                    itemId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The image */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": string;
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/*": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Finish labeling: the stage trains on the labeled items
         * @description With unlabeled items left and no `force`: 409 `unlabeled_items_left`, whose message says how many.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        force?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            runId: string;
                            flowchartName: string | null;
                            nodeId: string;
                            stageName: string;
                            /** @enum {string} */
                            task: "classification" | "detection" | "segmentation" | "text_detection" | "text_recognition";
                            classes: string[];
                            /** @enum {string} */
                            state: "open" | "completed" | "cancelled";
                            total: number;
                            labeled: number;
                            datasetId: string;
                            outputDatasetId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            completedAt: string | null;
                            /** @description Where an external tool posts labels, and the secret it signs them with (see the labeling webhook) */
                            webhook: {
                                url: string;
                                secret: string;
                            };
                        };
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/labeling/jobs/{jobId}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A labeling job for an external tool: Label Studio tasks (with pre-annotations) or COCO */
        get: {
            parameters: {
                query: {
                    format: "label-studio" | "coco";
                };
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/hooks/labeling/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deliver a labeling job's labels from an external tool (HMAC-signed; no token)
         * @description Headers: `X-AIP-Timestamp` (unix seconds) and `X-AIP-Signature: sha256=<hex HMAC-SHA256(job secret, "<timestamp>.<raw body>")>`. Body: `{"format": "aip"|"coco"|"label-studio", "labels": <payload>, "complete": true}`. All or nothing: any problem refuses the whole delivery.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            imported: number;
                            duplicate: boolean;
                            state: string;
                            labeled: number;
                            total: number;
                        };
                    };
                };
                /** @description Error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Error */
        Error: {
            error: {
                /** @description Machine-readable reason, e.g. `not_found`. */
                code: string;
                /** @description A sentence saying what is wrong. */
                message: string;
                problems?: ({
                    message: string;
                    nodeId?: string;
                    edgeId?: string;
                    /** @description The request field a refinery task problem concerns (name, teacherIds, params.<name> …). */
                    field?: string;
                    /** @description What is wrong, as a stable snake_case code; clients translate it. */
                    code?: string;
                    /** @description The values `message` interpolates, by name, for a translated sentence; lists as arrays. */
                    params?: {
                        [key: string]: string | number | string[];
                    };
                } & {
                    [key: string]: unknown;
                })[];
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
