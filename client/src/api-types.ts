// Generated from functions/routes.ts by client/scripts/api-types.ts (npm run build in client/). Do not edit.

/**
 * Every route of the broker, by operation id: path parameters, query, JSON body and success answer.
 */
export interface Routes {
  /**
   * `GET /health`: Liveness: the API answers.
   */
  health: {
    response: {
      status: "ok";
    };
  };
  /**
   * `GET /profiles`: The upload profiles clients may ask for (restricted ones are marked, their groups not shown).
   */
  listProfiles: {
    response: {
      profiles: Profile[];
    };
  };
  /**
   * `GET /openapi.json`: This API's OpenAPI 3.1 document.
   */
  openApi: {
    response: {
      openapi: string;
      info: {
        title: string;
        version: string;
      };
      paths: {
        [k: string]: unknown;
      };
      [k: string]: unknown;
    };
  };
  /**
   * `POST /sign/put`: A presigned PUT URL: type, exact length, metadata, optional checksum and If-None-Match are signed.
   */
  signPut: {
    body: {
      profile: string;
      filename: string;
      contentType: string;
      size: number;
      metadata?: {
        [k: string]: string;
      };
      checksumSha256?: string;
      contentMd5?: string;
    };
    response: {
      uploadId: string;
      key: string;
      url: string;
      expiresAt: string;
      method: "PUT";
      headers: {
        [k: string]: string;
      };
    };
  };
  /**
   * `POST /sign/post`: A presigned POST policy: size range, key prefix, content type and metadata enforced by S3.
   */
  signPost: {
    body: {
      profile: string;
      filename?: string;
      contentType?: string;
      maxBytes?: number;
      metadata?: {
        [k: string]: string;
      };
    };
    response: {
      uploadId: string;
      key: string;
      url: string;
      expiresAt: string;
      method: "POST";
      fields: {
        [k: string]: string;
      };
      conditions: {
        minBytes: number;
        maxBytes: number;
        contentType: string;
        keyPrefix: string;
      };
    };
  };
  /**
   * `POST /sign/multipart`: Starts a multipart upload for a large file: the broker plans the parts and creates the S3 upload.
   */
  signMultipart: {
    body: {
      profile: string;
      filename: string;
      contentType: string;
      size: number;
      metadata?: {
        [k: string]: string;
      };
      partSize?: number;
    };
    response: {
      uploadId: string;
      key: string;
      method: "MULTIPART";
      partSize: number;
      partCount: number;
      expiresAt: string;
    };
  };
  /**
   * `POST /uploads/{uploadId}/parts`: Presigned part URLs (1-100 at a time), each signing its part's exact content-length.
   */
  signParts: {
    params: {
      uploadId: string;
    };
    body: {
      /**
       * @minItems 1
       * @maxItems 100
       */
      partNumbers?: number[];
      /**
       * @minItems 1
       * @maxItems 100
       */
      parts?: {
        partNumber: number;
        contentMd5?: string;
      }[];
    };
    response: {
      parts: {
        partNumber: number;
        url: string;
        headers: {
          [k: string]: string;
        };
      }[];
      expiresAt: string;
    };
  };
  /**
   * `GET /uploads/{uploadId}/parts`: The parts S3 holds of a pending multipart upload (every ListParts page), for resuming.
   */
  listParts: {
    params: {
      uploadId: string;
    };
    response: {
      parts: {
        partNumber: number;
        size: number;
        etag: string;
      }[];
    };
  };
  /**
   * `POST /uploads/{uploadId}/complete`: Completes a multipart upload from exactly parts 1..partCount and answers the checked ticket.
   */
  completeUpload: {
    params: {
      uploadId: string;
    };
    body: {
      /**
       * @minItems 1
       * @maxItems 10000
       */
      parts: {
        partNumber: number;
        etag: string;
      }[];
    };
    response: TicketView;
  };
  /**
   * `GET /uploads/{uploadId}`: The caller's ticket and its status.
   */
  getUpload: {
    params: {
      uploadId: string;
    };
    response: TicketView;
  };
  /**
   * `DELETE /uploads/{uploadId}`: Aborts a pending upload or deletes a completed object; the ticket view after it. Idempotent.
   */
  deleteUpload: {
    params: {
      uploadId: string;
    };
    response: TicketView;
  };
  /**
   * `GET /uploads/{uploadId}/download`: A presigned GET (5 minutes) that saves a completed upload under its original name.
   */
  downloadUpload: {
    params: {
      uploadId: string;
    };
    response: {
      url: string;
      expiresAt: string;
    };
  };
  /**
   * `GET /usage`: Today's (UTC) counts of the caller's quotas, per profile that has one.
   */
  getUsage: {
    response: {
      day: string;
      profiles: {
        profile: string;
        uploads: number;
        bytes: number;
        pending?: number;
        quota: {
          uploadsPerDay?: number;
          bytesPerDay?: number;
          pending?: number;
        };
      }[];
    };
  };
  /**
   * `GET /uploads`: The caller's tickets, newest first.
   */
  listUploads: {
    query: {
      limit?: number;
      cursor?: string;
      status?: "pending" | "scanning" | "completed" | "rejected" | "aborted" | "deleted" | "expired";
    };
    response: {
      items: TicketView[];
      nextCursor: string | null;
    };
  };
  /**
   * `GET /uppy/{profile}/s3/params`: Uppy single upload: a POST policy with a concrete key. Query: filename, type and metadata[<key>] (only the profile's keys are kept).
   */
  uppyParams: {
    params: {
      profile: string;
    };
    query: {
      filename: string;
      type: string;
      [k: string]: unknown;
    };
    response: {
      method: "POST";
      url: string;
      fields: {
        [k: string]: string;
      };
      expires: number;
    };
  };
  /**
   * `POST /uppy/{profile}/s3/multipart`: Uppy multipart start: creates the S3 upload and a ticket without a declared size; answers S3's upload id and the key.
   */
  uppyCreateMultipart: {
    params: {
      profile: string;
    };
    body: {
      filename: string;
      type: string;
      metadata?: {
        [k: string]: unknown;
      } | null;
    };
    response: {
      key: string;
      uploadId: string;
    };
  };
  /**
   * `GET /uppy/{profile}/s3/multipart/{uploadId}/{partNumber}`: Uppy part URL (no header to send); a part number past floor(maxBytes / 5 MiB) + 1 is refused with 413.
   */
  uppySignPart: {
    params: {
      profile: string;
      uploadId: string;
      partNumber: number;
    };
    query: {
      key: string;
    };
    response: {
      url: string;
      expires: number;
    };
  };
  /**
   * `GET /uppy/{profile}/s3/multipart/{uploadId}`: Uppy resume: the parts S3 holds, as a bare array.
   */
  uppyListParts: {
    params: {
      profile: string;
      uploadId: string;
    };
    query: {
      key: string;
    };
    response: {
      PartNumber: number;
      Size: number;
      ETag: string;
    }[];
  };
  /**
   * `POST /uppy/{profile}/s3/multipart/{uploadId}/complete`: Uppy multipart complete: the parts S3 holds must add up to the profile's range (else aborted, 413); the object is then checked.
   */
  uppyCompleteMultipart: {
    params: {
      profile: string;
      uploadId: string;
    };
    query: {
      key: string;
    };
    body: {
      /**
       * @minItems 1
       * @maxItems 10000
       */
      parts: {
        PartNumber: number;
        ETag: string;
      }[];
    };
    response: {
      location: string;
      key: string;
    };
  };
  /**
   * `DELETE /uppy/{profile}/s3/multipart/{uploadId}`: Uppy cancel: aborts a pending upload in S3 (its ticket becomes aborted); anything else is left as it is.
   */
  uppyAbortMultipart: {
    params: {
      profile: string;
      uploadId: string;
    };
    query: {
      key: string;
    };
    response: Record<string, never>;
  };
  /**
   * `GET /admin/uploads`: Admin: a user's tickets (by `owner`, their token's `sub`), newest first.
   */
  adminListUploads: {
    query: {
      limit?: number;
      cursor?: string;
      status?: "pending" | "scanning" | "completed" | "rejected" | "aborted" | "deleted" | "expired";
      owner: string;
    };
    response: {
      items: TicketView[];
      nextCursor: string | null;
    };
  };
  /**
   * `GET /admin/uploads/{uploadId}`: Admin: any ticket, with its owner.
   */
  adminGetUpload: {
    params: {
      uploadId: string;
    };
    response: AdminTicketView;
  };
  /**
   * `DELETE /admin/uploads/{uploadId}`: Admin: aborts a pending upload or deletes a completed object of any user; the ticket view after it. Idempotent.
   */
  adminDeleteUpload: {
    params: {
      uploadId: string;
    };
    response: AdminTicketView;
  };
  /**
   * `GET /admin/uploads/{uploadId}/download`: Admin: a presigned GET (5 minutes) of any completed upload, under its original name.
   */
  adminDownloadUpload: {
    params: {
      uploadId: string;
    };
    response: {
      url: string;
      expiresAt: string;
    };
  };
  /**
   * `GET /admin/usage`: Admin: today's (UTC) quota counts of a user (by `owner`), per profile that has a quota.
   */
  adminUsage: {
    query: {
      owner: string;
    };
    response: {
      day: string;
      profiles: {
        profile: string;
        uploads: number;
        bytes: number;
        pending?: number;
        quota: {
          uploadsPerDay?: number;
          bytesPerDay?: number;
          pending?: number;
        };
      }[];
    };
  };
}
/**
 * This interface was referenced by `Routes`'s JSON-Schema
 * via the `definition` "Profile".
 */
export interface Profile {
  name: string;
  /**
   * @minItems 1
   */
  contentTypes: string[];
  minBytes: number;
  maxBytes: number;
  /**
   * @minItems 1
   */
  methods: ("put" | "post" | "multipart")[];
  expiresInSeconds: number;
  metadataKeys: string[];
  public: boolean;
  restricted: boolean;
}
/**
 * This interface was referenced by `Routes`'s JSON-Schema
 * via the `definition` "TicketView".
 */
export interface TicketView {
  uploadId: string;
  key: string;
  profile: string;
  method: "PUT" | "POST" | "MULTIPART";
  filename?: string;
  contentType: string;
  size?: number;
  etag?: string;
  createdAt: string;
  expiresAt: string;
  completedAt?: string;
  rejectReason?: string;
  partSize?: number;
  partCount?: number;
  status: "pending" | "scanning" | "completed" | "rejected" | "aborted" | "deleted" | "expired";
  fileUrl?: string;
}
/**
 * This interface was referenced by `Routes`'s JSON-Schema
 * via the `definition` "AdminTicketView".
 */
export interface AdminTicketView {
  uploadId: string;
  key: string;
  profile: string;
  method: "PUT" | "POST" | "MULTIPART";
  filename?: string;
  contentType: string;
  size?: number;
  etag?: string;
  createdAt: string;
  expiresAt: string;
  completedAt?: string;
  rejectReason?: string;
  partSize?: number;
  partCount?: number;
  status: "pending" | "scanning" | "completed" | "rejected" | "aborted" | "deleted" | "expired";
  fileUrl?: string;
  owner: string;
}
/**
 * This interface was referenced by `Routes`'s JSON-Schema
 * via the `definition` "Error".
 */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: {
      path: string;
      message: string;
    }[];
  };
  message?: string;
}
/**
 * This interface was referenced by `Routes`'s JSON-Schema
 * via the `definition` "WebhookEvent".
 */
export interface WebhookEvent {
  id: string;
  source: "upload-broker";
  "detail-type": "Upload Completed" | "Upload Rejected" | "Upload Aborted" | "Upload Deleted";
  time: string;
  detail: CompletionEventDetail;
  [k: string]: unknown;
}
/**
 * This interface was referenced by `Routes`'s JSON-Schema
 * via the `definition` "CompletionEventDetail".
 */
export interface CompletionEventDetail {
  uploadId: string;
  owner: string;
  profile: string;
  bucket: string;
  key: string;
  filename: string;
  contentType: string;
  size?: number;
  etag?: string;
  metadata: {
    [k: string]: string;
  };
  status: "completed" | "rejected" | "aborted" | "deleted";
  rejectReason?: string;
  fileUrl?: string;
  at: string;
}
