#include <gtest/gtest.h>

#include "rules/validators.h"

using namespace egressmon::rules;

TEST(Luhn, AcceptsKnownTestCardNumbers) {
    EXPECT_TRUE(luhnValid("4111111111111111"));
    EXPECT_TRUE(luhnValid("4111 1111 1111 1111"));
    EXPECT_TRUE(luhnValid("4111-1111-1111-1111"));
    EXPECT_TRUE(luhnValid("3782 822463 10005")); // Amex, 15 digits
    EXPECT_TRUE(luhnValid("6212345678901265"));  // UnionPay
}

TEST(Luhn, RejectsAWrongCheckDigit) {
    EXPECT_FALSE(luhnValid("4111111111111112"));
    EXPECT_FALSE(luhnValid("4111 1111 1111 1112"));
}

TEST(Luhn, AcceptsThirteenToNineteenDigitsOnly) {
    EXPECT_TRUE(luhnValid("4222222222222"));         // 13
    EXPECT_TRUE(luhnValid("4111111111111111110"));   // 19
    EXPECT_FALSE(luhnValid("422222222222"));         // 12 digits, Luhn-valid
    EXPECT_FALSE(luhnValid("41111111111111111115")); // 20 digits, Luhn-valid
    EXPECT_FALSE(luhnValid(""));
}

TEST(Luhn, SeparatorsCountOnlyBetweenDigits) {
    EXPECT_FALSE(luhnValid(" 4111111111111111"));
    EXPECT_FALSE(luhnValid("4111111111111111 "));
    EXPECT_FALSE(luhnValid("4111--1111-1111-1111"));
    EXPECT_FALSE(luhnValid("4111 -1111 1111 1111"));
}

TEST(Luhn, AnyOtherCharacterRejects) {
    EXPECT_FALSE(luhnValid("4111.1111.1111.1111"));
    EXPECT_FALSE(luhnValid("4111111111111111x"));
    EXPECT_FALSE(luhnValid("4111\t1111 1111 1111"));
}

TEST(Gb11643, AcceptsTheStandardsExample) {
    EXPECT_TRUE(gb11643Valid("11010519491231002X"));
    EXPECT_TRUE(gb11643Valid("11010519491231002x"));
    EXPECT_TRUE(gb11643Valid("440301202401011238"));
}

TEST(Gb11643, RejectsAWrongCheckCharacter) {
    EXPECT_FALSE(gb11643Valid("110105194912310021"));
    EXPECT_FALSE(gb11643Valid("440301202401011239"));
}

TEST(Gb11643, RejectsImplausibleBirthDatesEvenWithAGoodChecksum) {
    EXPECT_FALSE(gb11643Valid("110105194913310021")); // month 13
    EXPECT_FALSE(gb11643Valid("110105194902300020")); // 30 February
    EXPECT_FALSE(gb11643Valid("110105189912310023")); // 1899
    EXPECT_FALSE(gb11643Valid("110105190002290025")); // 1900 was no leap year
    EXPECT_TRUE(gb11643Valid("110105200002290021"));  // 2000 was
}

TEST(Gb11643, RejectsWrongLengthAndNonDigits) {
    EXPECT_FALSE(gb11643Valid("11010519491231002"));
    EXPECT_FALSE(gb11643Valid("11010519491231002X0"));
    EXPECT_FALSE(gb11643Valid("1101051949123100X2"));
    EXPECT_FALSE(gb11643Valid("11010519491231002Y"));
    EXPECT_FALSE(gb11643Valid(""));
}
