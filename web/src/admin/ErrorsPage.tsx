// Recent failed answers, newest first: when, in which room, which model, and the error code.
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { useErrors } from "./data";
import { formatDateTime } from "./format";
import { useAdminT } from "./i18n";
import { threadPath } from "./routes";
import { link, muted, row, table, td, th, thead } from "./styles";
import { ListState, MoreButton, PageHeading, TableRegion } from "./ui";

export function ErrorsPage() {
  const t = useAdminT();
  const lang = useStore(langStore);
  const errors = useErrors();
  return (
    <>
      <PageHeading title={t("adm_errors")} />
      <p className={"text-sm " + muted}>{t("adm_errorsHint")}</p>
      {errors.items.length > 0 && (
        <TableRegion label={t("adm_errors")}>
          <table className={table} data-testid="admin-errors" aria-busy={errors.loading}>
            <thead className={thead}>
              <tr>
                <th scope="col" className={th}>{t("adm_time")}</th>
                <th scope="col" className={th}>{t("adm_room")}</th>
                <th scope="col" className={th}>{t("model")}</th>
                <th scope="col" className={th}>{t("adm_code")}</th>
              </tr>
            </thead>
            <tbody>
              {errors.items.map((e) => (
                <tr key={e.messageId} data-testid="admin-error-row" data-code={e.code ?? ""} data-room-id={e.roomId} className={row}>
                  <td className={td + " whitespace-nowrap"}>
                    <time dateTime={e.at}>{formatDateTime(e.at, lang)}</time>
                  </td>
                  <td className={td}>
                    <a href={"#" + threadPath(e.roomId)} className={link}>
                      {e.roomName ?? e.roomId}
                    </a>
                  </td>
                  <td className={td}>{e.model ?? ""}</td>
                  <td className={td + " font-mono text-xs"}>{e.code ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <ListState loading={errors.loading} empty={errors.items.length === 0} error={errors.error} />
      <MoreButton hasMore={errors.hasMore} loading={errors.loadingMore} onMore={errors.more} />
    </>
  );
}
