/** Page-number paging with absolute links, as open-banking APIs return them. */

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface PageMeta {
  page: number;
  pageSize: number;
  totalItems: number;
  totalPages: number;
}

export interface PageLinks {
  self: string;
  first: string;
  last: string;
  prev?: string;
  next?: string;
}

export function pageMeta(request: PageRequest, totalItems: number): PageMeta {
  return {
    page: request.page,
    pageSize: request.pageSize,
    totalItems,
    totalPages: Math.max(1, Math.ceil(totalItems / request.pageSize)),
  };
}

/** Links to the pages around `meta.page`; `query` holds the other parameters to keep. */
export function pageLinks(
  baseUrl: string,
  meta: PageMeta,
  query: Record<string, string | undefined> = {},
): PageLinks {
  const link = (page: number): string => {
    const url = new URL(baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    url.searchParams.set('page', String(page));
    url.searchParams.set('pageSize', String(meta.pageSize));
    return url.href;
  };
  const links: PageLinks = { self: link(meta.page), first: link(1), last: link(meta.totalPages) };
  if (meta.page > 1) links.prev = link(Math.min(meta.page - 1, meta.totalPages));
  if (meta.page < meta.totalPages) links.next = link(meta.page + 1);
  return links;
}
