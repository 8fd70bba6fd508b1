/* civil.h - days since 1970-01-01 of a civil (proleptic Gregorian) date. Internal. */
#ifndef QS_CIVIL_H
#define QS_CIVIL_H

/*
 * Days since 1970-01-01 of year `y`, month `m` (1-12) and day `d` (1-31), negative before it
 * (H. Hinnant's days_from_civil; timegm() is not POSIX). Any year: eras of 400 years are
 * counted from 0000-03-01, so the leap day ends a year. The date is not checked: 2025-02-31
 * gives the days of 2025-03-03.
 */
static inline long qs_civil__days(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;                                  /* [0, 399] */
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

#endif
