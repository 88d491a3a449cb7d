"""The built-in `basic` problem set: 84 easy one-function Python problems written for this project.

Strings, lists, numbers and dicts, three or more tests each, aimed at a small model: SmolLM2-135M passes some but
not all of each problem's samples, which is the spread GRPO learns from (the CPU demo, docs/learning.md).
Each entry: (function name, what it does (fills {task}), test snippets).
"""

from __future__ import annotations

BASIC_PROBLEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # --- numbers -------------------------------------------------------------------------------------
    (
        "add",
        "takes two numbers `a` and `b` and returns their sum.",
        (
            "assert add(2, 3) == 5",
            "assert add(-1, 1) == 0",
            "assert add(0, 0) == 0",
            "assert add(10, 32) == 42",
        ),
    ),
    (
        "subtract",
        "takes two numbers `a` and `b` and returns `a` minus `b`.",
        ("assert subtract(5, 3) == 2", "assert subtract(0, 4) == -4", "assert subtract(7, 7) == 0"),
    ),
    (
        "multiply",
        "takes two numbers `a` and `b` and returns their product.",
        ("assert multiply(3, 4) == 12", "assert multiply(-2, 5) == -10", "assert multiply(0, 9) == 0"),
    ),
    (
        "square",
        "takes a number `x` and returns `x` squared.",
        ("assert square(3) == 9", "assert square(-4) == 16", "assert square(0) == 0"),
    ),
    (
        "cube",
        "takes a number `n` and returns `n` to the power of three.",
        ("assert cube(2) == 8", "assert cube(-3) == -27", "assert cube(1) == 1"),
    ),
    (
        "is_even",
        "takes an integer `n` and returns True if it is even, else False.",
        ("assert is_even(4) is True", "assert is_even(7) is False", "assert is_even(0) is True"),
    ),
    (
        "is_odd",
        "takes an integer `n` and returns True if it is odd, else False.",
        ("assert is_odd(3) is True", "assert is_odd(10) is False", "assert is_odd(-5) is True"),
    ),
    (
        "is_positive",
        "takes a number `x` and returns True if it is greater than zero, else False.",
        (
            "assert is_positive(5) is True",
            "assert is_positive(-2) is False",
            "assert is_positive(0) is False",
        ),
    ),
    (
        "absolute",
        "takes a number `x` and returns its absolute value.",
        ("assert absolute(-7) == 7", "assert absolute(3) == 3", "assert absolute(0) == 0"),
    ),
    (
        "max_of_two",
        "takes two numbers `a` and `b` and returns the larger one.",
        ("assert max_of_two(3, 9) == 9", "assert max_of_two(-1, -5) == -1", "assert max_of_two(4, 4) == 4"),
    ),
    (
        "min_of_three",
        "takes three numbers `a`, `b` and `c` and returns the smallest.",
        (
            "assert min_of_three(3, 1, 2) == 1",
            "assert min_of_three(-1, 0, 5) == -1",
            "assert min_of_three(7, 7, 8) == 7",
        ),
    ),
    (
        "double",
        "takes a number `x` and returns twice its value.",
        ("assert double(4) == 8", "assert double(-3) == -6", "assert double(0) == 0"),
    ),
    (
        "half",
        "takes a number `x` and returns half of it as a float.",
        ("assert half(10) == 5.0", "assert half(3) == 1.5", "assert half(0) == 0"),
    ),
    (
        "average_of_two",
        "takes two numbers `a` and `b` and returns their average.",
        (
            "assert average_of_two(2, 4) == 3",
            "assert average_of_two(1, 2) == 1.5",
            "assert average_of_two(-2, 2) == 0",
        ),
    ),
    (
        "factorial",
        "takes a non-negative integer `n` and returns n! (the factorial; factorial(0) is 1).",
        ("assert factorial(0) == 1", "assert factorial(5) == 120", "assert factorial(1) == 1"),
    ),
    (
        "sum_to_n",
        "takes a positive integer `n` and returns the sum 1 + 2 + ... + n.",
        ("assert sum_to_n(1) == 1", "assert sum_to_n(4) == 10", "assert sum_to_n(10) == 55"),
    ),
    (
        "is_divisible",
        "takes two integers `a` and `b` and returns True if `a` is divisible by `b`, else False.",
        (
            "assert is_divisible(10, 5) is True",
            "assert is_divisible(7, 2) is False",
            "assert is_divisible(0, 3) is True",
        ),
    ),
    (
        "last_digit",
        "takes a non-negative integer `n` and returns its last decimal digit.",
        ("assert last_digit(123) == 3", "assert last_digit(7) == 7", "assert last_digit(50) == 0"),
    ),
    (
        "celsius_to_fahrenheit",
        "takes a temperature `c` in Celsius and returns it in Fahrenheit (c * 9 / 5 + 32).",
        (
            "assert celsius_to_fahrenheit(0) == 32",
            "assert celsius_to_fahrenheit(100) == 212",
            "assert celsius_to_fahrenheit(-40) == -40",
        ),
    ),
    (
        "sign",
        "takes a number `x` and returns 1 if it is positive, -1 if it is negative and 0 if it is zero.",
        ("assert sign(5) == 1", "assert sign(-3) == -1", "assert sign(0) == 0"),
    ),
    (
        "power",
        "takes two integers `base` and `exp` (exp >= 0) and returns `base` raised to `exp`.",
        ("assert power(2, 3) == 8", "assert power(5, 0) == 1", "assert power(-2, 2) == 4"),
    ),
    # --- strings -------------------------------------------------------------------------------------
    (
        "reverse_string",
        "takes a string `s` and returns it reversed.",
        (
            "assert reverse_string('abc') == 'cba'",
            "assert reverse_string('') == ''",
            "assert reverse_string('racecar') == 'racecar'",
        ),
    ),
    (
        "to_upper",
        "takes a string `s` and returns it in upper case.",
        (
            "assert to_upper('hello') == 'HELLO'",
            "assert to_upper('Abc1') == 'ABC1'",
            "assert to_upper('') == ''",
        ),
    ),
    (
        "to_lower",
        "takes a string `s` and returns it in lower case.",
        (
            "assert to_lower('HELLO') == 'hello'",
            "assert to_lower('MiXeD') == 'mixed'",
            "assert to_lower('') == ''",
        ),
    ),
    (
        "string_length",
        "takes a string `s` and returns the number of characters in it.",
        (
            "assert string_length('abc') == 3",
            "assert string_length('') == 0",
            "assert string_length('a b') == 3",
        ),
    ),
    (
        "first_char",
        "takes a non-empty string `s` and returns its first character.",
        (
            "assert first_char('hello') == 'h'",
            "assert first_char('x') == 'x'",
            "assert first_char('Zebra') == 'Z'",
        ),
    ),
    (
        "last_char",
        "takes a non-empty string `s` and returns its last character.",
        (
            "assert last_char('hello') == 'o'",
            "assert last_char('x') == 'x'",
            "assert last_char('ab!') == '!'",
        ),
    ),
    (
        "is_palindrome",
        "takes a string `s` and returns True if it reads the same forwards and backwards.",
        (
            "assert is_palindrome('racecar') is True",
            "assert is_palindrome('hello') is False",
            "assert is_palindrome('') is True",
        ),
    ),
    (
        "count_vowels",
        "takes a string `s` and returns how many of its characters are vowels (a, e, i, o, u; "
        "lower case only).",
        (
            "assert count_vowels('hello') == 2",
            "assert count_vowels('sky') == 0",
            "assert count_vowels('aeiou') == 5",
        ),
    ),
    (
        "count_char",
        "takes a string `s` and a character `c` and returns how many times `c` occurs in `s`.",
        (
            "assert count_char('banana', 'a') == 3",
            "assert count_char('hello', 'z') == 0",
            "assert count_char('', 'a') == 0",
        ),
    ),
    (
        "repeat_string",
        "takes a string `s` and an integer `n` and returns `s` repeated `n` times.",
        (
            "assert repeat_string('ab', 3) == 'ababab'",
            "assert repeat_string('x', 0) == ''",
            "assert repeat_string('', 5) == ''",
        ),
    ),
    (
        "concat",
        "takes two strings `a` and `b` and returns them joined together, `a` first.",
        (
            "assert concat('foo', 'bar') == 'foobar'",
            "assert concat('', 'x') == 'x'",
            "assert concat('a', '') == 'a'",
        ),
    ),
    (
        "starts_with",
        "takes two strings `s` and `prefix` and returns True if `s` starts with `prefix`.",
        (
            "assert starts_with('hello', 'he') is True",
            "assert starts_with('hello', 'lo') is False",
            "assert starts_with('abc', '') is True",
        ),
    ),
    (
        "word_count",
        "takes a string `s` and returns the number of words in it (words are separated by spaces).",
        (
            "assert word_count('hello world') == 2",
            "assert word_count('one') == 1",
            "assert word_count('a b c d') == 4",
        ),
    ),
    (
        "capitalize_first",
        "takes a string `s` and returns it with its first character in upper case and the rest unchanged.",
        (
            "assert capitalize_first('hello') == 'Hello'",
            "assert capitalize_first('a') == 'A'",
            "assert capitalize_first('hELLO') == 'HELLO'",
        ),
    ),
    (
        "remove_spaces",
        "takes a string `s` and returns it with every space removed.",
        (
            "assert remove_spaces('a b c') == 'abc'",
            "assert remove_spaces('none') == 'none'",
            "assert remove_spaces('  ') == ''",
        ),
    ),
    (
        "contains_substring",
        "takes two strings `s` and `sub` and returns True if `sub` occurs in `s`.",
        (
            "assert contains_substring('hello', 'ell') is True",
            "assert contains_substring('hello', 'xyz') is False",
            "assert contains_substring('abc', '') is True",
        ),
    ),
    (
        "first_word",
        "takes a string `s` of words separated by spaces and returns the first word.",
        (
            "assert first_word('hello world') == 'hello'",
            "assert first_word('one') == 'one'",
            "assert first_word('a b c') == 'a'",
        ),
    ),
    (
        "exclaim",
        "takes a string `s` and returns it with an exclamation mark added at the end.",
        ("assert exclaim('hi') == 'hi!'", "assert exclaim('') == '!'", "assert exclaim('wow') == 'wow!'"),
    ),
    (
        "is_digit_string",
        "takes a string `s` and returns True if it is non-empty and every character is a decimal digit.",
        (
            "assert is_digit_string('123') is True",
            "assert is_digit_string('12a') is False",
            "assert is_digit_string('') is False",
        ),
    ),
    (
        "greet",
        "takes a name `name` and returns the string 'Hello, ' followed by the name and '!'.",
        (
            "assert greet('Bob') == 'Hello, Bob!'",
            "assert greet('Ann') == 'Hello, Ann!'",
            "assert greet('') == 'Hello, !'",
        ),
    ),
    (
        "swap_case",
        "takes a string `s` and returns it with upper-case letters made lower case and lower-case "
        "letters made upper case.",
        (
            "assert swap_case('Hello') == 'hELLO'",
            "assert swap_case('abc') == 'ABC'",
            "assert swap_case('') == ''",
        ),
    ),
    # --- lists ---------------------------------------------------------------------------------------
    (
        "sum_list",
        "takes a list of numbers `nums` and returns their sum (0 for an empty list).",
        ("assert sum_list([1, 2, 3]) == 6", "assert sum_list([]) == 0", "assert sum_list([-1, 1, 5]) == 5"),
    ),
    (
        "max_of_list",
        "takes a non-empty list of numbers `nums` and returns the largest.",
        (
            "assert max_of_list([1, 5, 3]) == 5",
            "assert max_of_list([-3, -1, -2]) == -1",
            "assert max_of_list([7]) == 7",
        ),
    ),
    (
        "min_of_list",
        "takes a non-empty list of numbers `nums` and returns the smallest.",
        (
            "assert min_of_list([4, 2, 8]) == 2",
            "assert min_of_list([-1, -9]) == -9",
            "assert min_of_list([3]) == 3",
        ),
    ),
    (
        "list_length",
        "takes a list `items` and returns how many elements it has.",
        (
            "assert list_length([1, 2, 3]) == 3",
            "assert list_length([]) == 0",
            "assert list_length(['a']) == 1",
        ),
    ),
    (
        "first_element",
        "takes a non-empty list `items` and returns its first element.",
        (
            "assert first_element([4, 5, 6]) == 4",
            "assert first_element(['x']) == 'x'",
            "assert first_element([[1], 2]) == [1]",
        ),
    ),
    (
        "last_element",
        "takes a non-empty list `items` and returns its last element.",
        (
            "assert last_element([4, 5, 6]) == 6",
            "assert last_element(['x']) == 'x'",
            "assert last_element([1, None]) is None",
        ),
    ),
    (
        "reverse_list",
        "takes a list `items` and returns a new list with the elements in reverse order.",
        (
            "assert reverse_list([1, 2, 3]) == [3, 2, 1]",
            "assert reverse_list([]) == []",
            "assert reverse_list(['a', 'b']) == ['b', 'a']",
        ),
    ),
    (
        "average",
        "takes a non-empty list of numbers `nums` and returns their mean.",
        ("assert average([1, 2, 3]) == 2", "assert average([5]) == 5", "assert average([1, 2]) == 1.5"),
    ),
    (
        "count_positive",
        "takes a list of numbers `nums` and returns how many are greater than zero.",
        (
            "assert count_positive([1, -2, 3]) == 2",
            "assert count_positive([]) == 0",
            "assert count_positive([0, -1]) == 0",
        ),
    ),
    (
        "filter_even",
        "takes a list of integers `nums` and returns a list of the even ones, in order.",
        (
            "assert filter_even([1, 2, 3, 4]) == [2, 4]",
            "assert filter_even([1, 3]) == []",
            "assert filter_even([0, 6]) == [0, 6]",
        ),
    ),
    (
        "double_all",
        "takes a list of numbers `nums` and returns a new list with every number doubled.",
        (
            "assert double_all([1, 2, 3]) == [2, 4, 6]",
            "assert double_all([]) == []",
            "assert double_all([-1]) == [-2]",
        ),
    ),
    (
        "square_all",
        "takes a list of numbers `nums` and returns a new list of their squares.",
        (
            "assert square_all([1, 2, 3]) == [1, 4, 9]",
            "assert square_all([]) == []",
            "assert square_all([-2]) == [4]",
        ),
    ),
    (
        "contains",
        "takes a list `items` and a value `x` and returns True if `x` is in the list.",
        (
            "assert contains([1, 2, 3], 2) is True",
            "assert contains([1, 2, 3], 5) is False",
            "assert contains([], 1) is False",
        ),
    ),
    (
        "count_occurrences",
        "takes a list `items` and a value `x` and returns how many times `x` occurs in it.",
        (
            "assert count_occurrences([1, 2, 1, 1], 1) == 3",
            "assert count_occurrences([], 1) == 0",
            "assert count_occurrences(['a', 'b'], 'c') == 0",
        ),
    ),
    (
        "sort_list",
        "takes a list of numbers `nums` and returns a new list sorted in increasing order.",
        (
            "assert sort_list([3, 1, 2]) == [1, 2, 3]",
            "assert sort_list([]) == []",
            "assert sort_list([5, -1]) == [-1, 5]",
        ),
    ),
    (
        "remove_duplicates",
        "takes a list `items` and returns a new list without repeated elements, keeping the "
        "first occurrence of each in its original order.",
        (
            "assert remove_duplicates([1, 2, 1, 3]) == [1, 2, 3]",
            "assert remove_duplicates([]) == []",
            "assert remove_duplicates(['a', 'a']) == ['a']",
        ),
    ),
    (
        "product_list",
        "takes a list of numbers `nums` and returns the product of all of them (1 for an empty list).",
        (
            "assert product_list([2, 3, 4]) == 24",
            "assert product_list([]) == 1",
            "assert product_list([5, 0]) == 0",
        ),
    ),
    (
        "second_element",
        "takes a list `items` with at least two elements and returns the second one.",
        (
            "assert second_element([4, 5, 6]) == 5",
            "assert second_element(['a', 'b']) == 'b'",
            "assert second_element([0, None, 1]) is None",
        ),
    ),
    (
        "is_empty",
        "takes a list `items` and returns True if it has no elements, else False.",
        ("assert is_empty([]) is True", "assert is_empty([0]) is False", "assert is_empty([[]]) is False"),
    ),
    (
        "sum_of_squares",
        "takes a list of numbers `nums` and returns the sum of their squares.",
        (
            "assert sum_of_squares([1, 2, 3]) == 14",
            "assert sum_of_squares([]) == 0",
            "assert sum_of_squares([-2]) == 4",
        ),
    ),
    (
        "join_words",
        "takes a list of strings `words` and returns them joined with single spaces.",
        (
            "assert join_words(['a', 'b', 'c']) == 'a b c'",
            "assert join_words([]) == ''",
            "assert join_words(['hi']) == 'hi'",
        ),
    ),
    # --- dicts ---------------------------------------------------------------------------------------
    (
        "get_value",
        "takes a dict `d` and a key `key` and returns the value stored under `key`, or None if it is "
        "missing.",
        (
            "assert get_value({'a': 1}, 'a') == 1",
            "assert get_value({'a': 1}, 'b') is None",
            "assert get_value({}, 'x') is None",
        ),
    ),
    (
        "has_key",
        "takes a dict `d` and a key `key` and returns True if `key` is in `d`.",
        (
            "assert has_key({'a': 1}, 'a') is True",
            "assert has_key({'a': 1}, 'b') is False",
            "assert has_key({}, 'a') is False",
        ),
    ),
    (
        "dict_keys",
        "takes a dict `d` and returns a list of its keys in insertion order.",
        (
            "assert dict_keys({'a': 1, 'b': 2}) == ['a', 'b']",
            "assert dict_keys({}) == []",
            "assert dict_keys({3: 'x'}) == [3]",
        ),
    ),
    (
        "dict_values",
        "takes a dict `d` and returns a list of its values in insertion order.",
        (
            "assert dict_values({'a': 1, 'b': 2}) == [1, 2]",
            "assert dict_values({}) == []",
            "assert dict_values({'x': 'y'}) == ['y']",
        ),
    ),
    (
        "dict_size",
        "takes a dict `d` and returns how many keys it has.",
        (
            "assert dict_size({'a': 1, 'b': 2}) == 2",
            "assert dict_size({}) == 0",
            "assert dict_size({1: 1}) == 1",
        ),
    ),
    (
        "sum_values",
        "takes a dict `d` whose values are numbers and returns the sum of the values.",
        (
            "assert sum_values({'a': 1, 'b': 2}) == 3",
            "assert sum_values({}) == 0",
            "assert sum_values({'x': -5, 'y': 5}) == 0",
        ),
    ),
    (
        "invert_dict",
        "takes a dict `d` and returns a new dict with its keys and values swapped.",
        (
            "assert invert_dict({'a': 1, 'b': 2}) == {1: 'a', 2: 'b'}",
            "assert invert_dict({}) == {}",
            "assert invert_dict({1: 'x'}) == {'x': 1}",
        ),
    ),
    (
        "count_letters",
        "takes a string `s` and returns a dict mapping each character to how many times it occurs.",
        (
            "assert count_letters('aab') == {'a': 2, 'b': 1}",
            "assert count_letters('') == {}",
            "assert count_letters('xyz') == {'x': 1, 'y': 1, 'z': 1}",
        ),
    ),
    (
        "merge_dicts",
        "takes two dicts `a` and `b` and returns a new dict with the items of both (values from `b` "
        "win on shared keys).",
        (
            "assert merge_dicts({'a': 1}, {'b': 2}) == {'a': 1, 'b': 2}",
            "assert merge_dicts({}, {}) == {}",
            "assert merge_dicts({'a': 1}, {'a': 3}) == {'a': 3}",
        ),
    ),
    (
        "key_with_max_value",
        "takes a non-empty dict `d` with number values and returns the key whose value is largest.",
        (
            "assert key_with_max_value({'a': 1, 'b': 5}) == 'b'",
            "assert key_with_max_value({'x': -1}) == 'x'",
            "assert key_with_max_value({'p': 3, 'q': 2}) == 'p'",
        ),
    ),
    (
        "add_key",
        "takes a dict `d`, a key `key` and a value `value`, and returns a new dict with that item added "
        "(or replaced).",
        (
            "assert add_key({}, 'a', 1) == {'a': 1}",
            "assert add_key({'a': 1}, 'b', 2) == {'a': 1, 'b': 2}",
            "assert add_key({'a': 1}, 'a', 9) == {'a': 9}",
        ),
    ),
    (
        "remove_key",
        "takes a dict `d` and a key `key` and returns a new dict without that key (unchanged if it is "
        "missing).",
        (
            "assert remove_key({'a': 1, 'b': 2}, 'a') == {'b': 2}",
            "assert remove_key({'a': 1}, 'z') == {'a': 1}",
            "assert remove_key({}, 'a') == {}",
        ),
    ),
    (
        "dict_from_lists",
        "takes two lists `keys` and `values` of the same length and returns a dict pairing them up in order.",
        (
            "assert dict_from_lists(['a', 'b'], [1, 2]) == {'a': 1, 'b': 2}",
            "assert dict_from_lists([], []) == {}",
            "assert dict_from_lists([1], ['x']) == {1: 'x'}",
        ),
    ),
    (
        "word_lengths",
        "takes a list of strings `words` and returns a dict mapping each word to its length.",
        (
            "assert word_lengths(['hi', 'abc']) == {'hi': 2, 'abc': 3}",
            "assert word_lengths([]) == {}",
            "assert word_lengths(['x']) == {'x': 1}",
        ),
    ),
    (
        "get_or_default",
        "takes a dict `d`, a key `key` and a value `default`, and returns `d[key]` if the key is "
        "present, else `default`.",
        (
            "assert get_or_default({'a': 1}, 'a', 0) == 1",
            "assert get_or_default({}, 'a', 7) == 7",
            "assert get_or_default({'a': None}, 'a', 3) is None",
        ),
    ),
    (
        "keys_with_value",
        "takes a dict `d` and a value `v` and returns a list of the keys whose value equals `v`, "
        "in insertion order.",
        (
            "assert keys_with_value({'a': 1, 'b': 2, 'c': 1}, 1) == ['a', 'c']",
            "assert keys_with_value({}, 1) == []",
            "assert keys_with_value({'a': 2}, 3) == []",
        ),
    ),
    (
        "square_dict",
        "takes a positive integer `n` and returns a dict mapping each integer from 1 to `n` to its square.",
        (
            "assert square_dict(3) == {1: 1, 2: 4, 3: 9}",
            "assert square_dict(1) == {1: 1}",
            "assert len(square_dict(5)) == 5",
        ),
    ),
    (
        "double_values",
        "takes a dict `d` with number values and returns a new dict with the same keys and every "
        "value doubled.",
        (
            "assert double_values({'a': 1, 'b': 2}) == {'a': 2, 'b': 4}",
            "assert double_values({}) == {}",
            "assert double_values({'x': -3}) == {'x': -6}",
        ),
    ),
    (
        "count_words",
        "takes a string `text` of words separated by spaces and returns a dict mapping each word to "
        "how many times it occurs.",
        (
            "assert count_words('a b a') == {'a': 2, 'b': 1}",
            "assert count_words('hi') == {'hi': 1}",
            "assert count_words('x x x') == {'x': 3}",
        ),
    ),
    (
        "max_value",
        "takes a non-empty dict `d` with number values and returns the largest value.",
        (
            "assert max_value({'a': 1, 'b': 5}) == 5",
            "assert max_value({'x': -1}) == -1",
            "assert max_value({'p': 3, 'q': 2}) == 3",
        ),
    ),
    (
        "sorted_keys",
        "takes a dict `d` and returns a list of its keys sorted in increasing order.",
        (
            "assert sorted_keys({'b': 1, 'a': 2}) == ['a', 'b']",
            "assert sorted_keys({}) == []",
            "assert sorted_keys({3: 0, 1: 0, 2: 0}) == [1, 2, 3]",
        ),
    ),
)
